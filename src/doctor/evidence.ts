// What `podnet doctor` reads of a running cluster, layer by layer: the API's
// objects, the network namespaces and IPAM files on disk, and what each
// node, the cluster DNS, the external DNS, the load balancer and NGINX
// answer right now to real tools. Gathered by src/cli/commands/doctor.ts,
// judged by the checks beside this file (pure).

import type { Event, Job, NetworkPolicy } from '../api/types.js';
import type { LbStatus } from '../cloud/lb-status.js';
import type { Allocation } from '../cni/ipam-store.js';
import type { ClusterView, CurlResult, DnsLookup } from '../trace/evidence.js';

/** What one node's namespace shows. */
export interface NodeProbe {
  name: string;
  /** its network namespace exists */
  netns: boolean;
  /** the service proxy's ruleset version in the kernel (absent: no table) */
  rulesetVersion?: string;
  /** the version the node's agent would load for the Services and EndpointSlices the API holds now */
  expectedVersion?: string;
  /** kube-proxy's /healthz on the node: its status code and lastUpdated ("" before any sync); absent when nothing answered */
  proxyHealth?: { status: number; lastUpdated: string };
  /** `kubernetes.default.svc.cluster.local` asked of the cluster DNS from the node */
  clusterDns?: DnsLookup;
  conntrack?: { count: number; max: number };
  /** the NetworkPolicy drop rules' counters, by the rule's comment */
  policyDrops: Map<string, number>;
  /** its agent's refusal recorder listens (src/observe/refusal-recorder.ts) */
  recording?: boolean;
  /** the last drop of each of those rules the node's refusal log holds from the last minutes (epoch ms), by the rule's comment */
  policyDropLast?: Map<string, number>;
  /** the IPAM allocations of the node's pod network */
  allocations: Allocation[];
}

/** One name the external DNS should answer, as the outside client asked it. */
export interface PublishedName {
  name: string;
  expected: string[];
  lookup: DnsLookup;
}

export interface DoctorEvidence {
  cluster: string;
  now: number;
  /** where each node agent (by node) and the LB agent write their lines */
  logs: { agents: Map<string, string>; lbAgent: string };
  objects: ClusterView & { events: Event[]; policies: NetworkPolicy[]; jobs: Job[] };
  /** the cluster's network namespaces (`ip netns list`, this cluster's prefix) */
  netns: string[];
  nodes: NodeProbe[];
  /** the load balancer's health status (lb-status.json); absent before it wrote one */
  lb?: LbStatus;
  /** the LB agent's refusal recorder listens */
  lbRecording?: boolean;
  published: PublishedName[];
  /** a request from the outside client to NGINX's default server through the controller's LB address */
  ingressProbe?: { address: string; curl: CurlResult };
}
