// DNS: the cluster DNS answers the API's own name from every node, and the
// external DNS answers every name the cluster publishes with the address it
// publishes it at, asked by the outside client as anyone outside would.

import type { Service } from '../api/types.js';
import { clusterOption } from '../cli/context.js';
import { CLUSTER_DNS_DEPLOYMENT, CLUSTER_DNS_SERVICE, CLUSTER_DOMAIN, KUBE_DNS_SERVICE_IP, KUBERNETES_SERVICE_IP } from '../config.js';
import type { DnsLookup } from '../trace/evidence.js';
import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, type Finding } from './findings.js';

export const CLUSTER_PROBE_NAME = `kubernetes.default.svc.${CLUSTER_DOMAIN}`;

function answer(l: DnsLookup): string {
  if (l.rcode === 'timeout') return 'no answer';
  return l.rcode === 'NOERROR' ? (l.addresses.join(', ') || 'no address') : l.rcode;
}

const is = (o: { metadata: { namespace?: string; name?: string } }, ref: { namespace: string; name: string }) => o.metadata.namespace === ref.namespace && o.metadata.name === ref.name;

/** The cluster has its DNS's Service (not so when made with up --bare, or when the Service was deleted). */
export const hasClusterDnsService = (services: readonly Service[]) => services.some((s) => is(s, CLUSTER_DNS_SERVICE));

export function checkClusterDns(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  if (!hasClusterDnsService(e.objects.services)) {
    const service = `${CLUSTER_DNS_SERVICE.namespace}/${CLUSTER_DNS_SERVICE.name}`;
    // up --bare makes neither; a cluster DNS whose Service went leaves every ClusterFirst pod asking an address nobody serves
    return e.objects.workloads.some((w) => w.kind === 'Deployment' && is(w, CLUSTER_DNS_DEPLOYMENT))
      ? [fail('Cluster DNS', `the cluster DNS's Service ${service} is gone: every pod with dnsPolicy ClusterFirst asks ${KUBE_DNS_SERVICE_IP} and gets no answer`, `podnet down${clusterOption(e.cluster)} and up again make it anew; or apply a Service ${service} with clusterIP ${KUBE_DNS_SERVICE_IP} selecting k8s-app=kube-dns, ports 53/UDP and 53/TCP`)]
      : [ok('Cluster DNS', `none: there is no Service ${service} (a cluster made with up --bare has none), so pods resolve no cluster name`)];
  }
  const good: string[] = [];
  for (const node of e.nodes) {
    const l = node.clusterDns;
    if (!l) continue;
    if (l.rcode === 'NOERROR' && l.addresses.includes(KUBERNETES_SERVICE_IP)) { good.push(`${node.name}${l.ms !== undefined ? ` (${l.ms} ms)` : ''}`); continue; }
    out.push(fail('Cluster DNS', `from node ${node.name}, ${KUBE_DNS_SERVICE_IP} answered ${CLUSTER_PROBE_NAME} with ${answer(l)}, not ${KUBERNETES_SERVICE_IP}`,
      l.rcode === 'timeout' ? 'no pod can resolve a name: the Services check above says whether kube-system/kube-dns has endpoints' : undefined));
  }
  if (good.length > 0) out.unshift(ok('Cluster DNS', `${KUBE_DNS_SERVICE_IP} answers ${CLUSTER_PROBE_NAME} → ${KUBERNETES_SERVICE_IP} from ${good.join(', ')}`));
  return out;
}

export function checkExternalDns(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  let good = 0;
  for (const p of e.published) {
    const got = p.lookup.addresses;
    if (p.lookup.rcode === 'NOERROR' && p.expected.every((ip) => got.includes(ip)) && got.every((ip) => p.expected.includes(ip))) { good += 1; continue; }
    out.push(fail('External DNS', `the outside client's lookup of ${p.name} gave ${answer(p.lookup)}; the cluster publishes it at ${p.expected.join(', ')}`));
  }
  if (good > 0) out.unshift(ok('External DNS', `${plural(good, 'name')} the cluster publishes ${good === 1 ? 'resolves' : 'resolve'} from outside to their addresses${e.published.length <= 3 ? ` (${e.published.map((p) => `${p.name} → ${p.expected.join(', ')}`).join('; ')})` : ''}`));
  return out;
}
