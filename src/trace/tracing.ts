// One reading of a trace's evidence: what every layer's explanation reads
// (the evidence, the report being written), and the last layer, the answer.

import type { Pod } from '../api/types.js';
import type { ClusterView, TraceEvidence } from './evidence.js';
import { INGRESS_NAMESPACE, key, nodeIPs, podByIP, podLabel } from './lookup.js';
import { Report, type TraceReport } from './report.js';

export interface Tracing {
  readonly e: TraceEvidence;
  readonly cluster: ClusterView;
  /** the URL's host, without a trailing dot */
  readonly host: string;
  readonly r: Report;
  /** a TCP check: a connection, no request */
  readonly tcp: boolean;
  /** something answered: an HTTP status, or for a TCP check the connection opened */
  readonly gotAnswer: boolean;
}

export function tracing(e: TraceEvidence): Tracing {
  const tcp = e.url.protocol === 'tcp:';
  return { e, cluster: e.cluster, host: e.url.hostname.replace(/\.$/, ''), r: new Report(), tcp, gotAnswer: e.curl.status > 0 || (tcp && e.curl.exit === 0) };
}

/** The last layer: the pod that answered (or accepted the connection), and what a podnet/echo pod saw. */
export function answered(t: Tracing, pod: Pod | undefined, how = '', own = ''): TraceReport {
  const { e, r, cluster } = t;
  const reply = e.reply;
  const who = pod ?? (reply?.podIP ? podByIP(cluster, reply.podIP) : undefined);
  const name = who ? podLabel(who) : reply?.pod ? `${reply.pod} (as it names itself)` : 'a pod';
  const message = reply?.message ? `: "${reply.message}"` : '';
  const what = t.tcp ? 'accepted the connection' : `answered ${e.curl.status}`;
  r.layer('Pod', `${name} ${what} in ${e.curl.timeMs} ms${message}${own}${how}`);
  if (reply) {
    const forwarded = reply.forwardedFor ? ` with X-Forwarded-For ${reply.forwardedFor}${whoIs(t, reply.forwardedFor.split(',')[0]!.trim())}` : '';
    r.note(`it saw the connection from ${reply.clientIP}${whoIs(t, reply.clientIP)}${forwarded}`);
  }
  return r.ok();
}

/** " (the outside client)", " (node-1: …masqueraded…)", " (the ingress controller pod)", … for an address a pod saw */
function whoIs(t: Tracing, ip: string): string {
  const { e, cluster } = t;
  if (ip === e.source.ip) return e.source.kind === 'outside' ? ' (the outside client)' : ' (the source pod)';
  const node = nodeIPs(cluster).get(ip);
  if (node) return ` (${node}: the source was masqueraded to its node)`;
  const pod = podByIP(cluster, ip);
  if (pod) return pod.metadata.namespace === INGRESS_NAMESPACE ? ' (the ingress controller pod)' : ` (pod ${key(pod)})`;
  return '';
}
