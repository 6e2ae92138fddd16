// What `podnet trace` collects about one request, layer by layer: the
// answers of real tools run where the request starts (dig, curl), each
// layer's own record of it (the router's and the node's conntrack entries,
// the NetworkPolicy drop counters, NGINX's access-log line found by the
// request's id, the load balancer's health status) and the cluster's objects.
// Gathered by src/cli/commands/trace.ts, read by explain.ts (pure).

import type { Gateway, GatewayClass, HTTPRoute } from '../api/gateway-types.js';
import type { EndpointSlice, Ingress, IngressClass, Node, Pod, Service } from '../api/types.js';
import type { LbFrontendStatus } from '../cloud/lb-status.js';

export interface TraceSource {
  kind: 'outside' | 'pod';
  ip: string;
  /** the pod's namespace/name and node (kind pod) */
  pod?: { namespace: string; name: string; node: string };
}

/** dig's answer for the URL's host, asked where the request starts (the pod's search path included) */
export interface DnsLookup {
  /** the name whose answer counted: the host, or what the search path made of it */
  qname: string;
  server: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, …; "timeout" when no server answered */
  rcode: string;
  addresses: string[];
  cnames: string[];
  ms?: number;
}

/** curl's own account of the request (`-w '%{json}'`) */
export interface CurlResult {
  /** curl's exit code: 0, 6 (resolve), 7 (refused / unreachable), 28 (timeout), 35 (TLS), 52 (empty reply), 56 (reset) */
  exit: number;
  error: string;
  /** 0 when no HTTP answer came */
  status: number;
  remoteIP: string;
  remotePort: number;
  localPort: number;
  timeMs: number;
  /** the TCP connection opened (curl's time_connect; nc's success): a policy drops a connection's first packet */
  connected: boolean;
}

/** What a podnet/echo backend said it saw (its JSON answer) */
export interface EchoReply {
  pod?: string;
  podIP?: string;
  /** the connection's source as the pod saw it */
  clientIP: string;
  forwardedFor?: string;
  message?: string;
}

/** NGINX's access-log line (the controller's log_format, docs/ingress.md) */
export interface AccessLine {
  ingress: string;
  service: string;
  rule_host: string;
  rule_path: string;
  upstream_addr: string;
  upstream_status: string;
  /** bytes each upstream sent: none means NGINX's own 502/504, some the backend's own status */
  upstream_bytes_received?: string;
  remote_addr: string;
  status: number;
  request_id: string;
  request_time: number;
}

/** what the explanation reads of a Deployment or StatefulSet */
export interface Workload {
  kind: string;
  metadata: { namespace?: string; name?: string; uid?: string };
  spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
}

export interface ClusterView {
  services: Service[];
  slices: EndpointSlice[];
  pods: Pod[];
  ingresses: Ingress[];
  /** which Ingresses podnet's controller serves */
  ingressClasses: IngressClass[];
  /** "namespace/name" of every Secret (a TLS section may name one that is not there); empty unless the request is HTTPS */
  secretNames: string[];
  nodes: Node[];
  /** Deployments and StatefulSets, to say when the pods a Service wants are scaled away */
  workloads: Workload[];
  /** Gateway API: what external-dns publishes for them, and doctor's Gateway API checks */
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
}

/** A NetworkPolicy drop rule whose counter grew while the request ran */
export interface PolicyDrop {
  node: string;
  /** the rule's comment: "ingress to NS/POD (policies: …)" */
  rule: string;
  packets: number;
}

export interface TraceEvidence {
  url: URL;
  method: string;
  source: TraceSource;
  requestId: string;
  /** absent when the host is an address */
  dns?: DnsLookup;
  curl: CurlResult;
  cluster: ClusterView;
  /** the load balancer's frontend for the address the request went to */
  lb?: LbFrontendStatus;
  /** the router's conntrack entry: the node (address and NodePort) the LB sent the connection to */
  lbChoice?: { nodeIP: string; nodePort: number };
  /** the conntrack entry on the source pod's node: the pod a ClusterIP's DNAT chose */
  dnat?: { node: string; ip: string; port: number };
  /** the answer's own account, when the backend is podnet/echo */
  reply?: EchoReply;
  /** the ingress controller pod whose access log holds the request */
  ingressPod?: string;
  access?: AccessLine;
  drops: PolicyDrop[];
  /** the drop counters that grew while dig asked (an egress policy blocks DNS too) */
  dnsDrops: PolicyDrop[];
  timeoutMs: number;
}
