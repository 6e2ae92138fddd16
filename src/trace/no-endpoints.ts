// Why a Service has no endpoint to send a connection to (pure), in the terms
// a user changes: its selector, the pods it matches and why they are not
// Ready, a workload scaled to 0, a named targetPort no pod declares.

import { matchesServiceSelector } from '../api/labels.js';
import { isPodReady } from '../api/pod-helpers.js';
import type { Pod, Service, ServicePort } from '../api/types.js';
import type { ClusterView } from './evidence.js';
import { key } from './lookup.js';

export function portLabel(p: ServicePort): string {
  return `${p.port}${p.name ? ` (${p.name})` : ''}`;
}

export function declaredPorts(pod: Pod): string {
  const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`));
  return ports.length > 0 ? `its containers declare ${ports.join(', ')}` : 'its containers declare no ports';
}

export function podNotReadyReason(pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  const phase = pod.status?.phase ?? 'Pending';
  if (phase !== 'Running') {
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return waiting ?? (scheduled ? `unschedulable: ${scheduled.message ?? scheduled.reason ?? ''}` : phase);
  }
  const notReady = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready).map((c) => c.state?.waiting?.reason ? `${c.name}: ${c.state.waiting.reason}` : c.name);
  return notReady.length > 0 ? `not ready (${notReady.join(', ')})` : 'not ready';
}

/** Why a Service (port) has no ready endpoint, from its selector, the pods it matches and their ports. */
export function noEndpointsReason(cluster: ClusterView, svc: Service, port?: ServicePort): string {
  const ns = svc.metadata.namespace;
  const name = key(svc);
  if (svc.spec.type === 'ExternalName') return `Service ${name} is an ExternalName (${svc.spec.externalName}): it has no endpoints`;
  const selector = svc.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return `Service ${name} has no selector and no ready endpoint in the EndpointSlices made for it by hand`;
  const sel = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const matching = cluster.pods.filter((p) => p.metadata.namespace === ns && matchesServiceSelector(selector, p.metadata.labels ?? {}));
  if (matching.length === 0) {
    const idle = cluster.workloads.filter((w) => w.metadata.namespace === ns && (w.spec?.replicas ?? 1) === 0 && matchesServiceSelector(selector, w.spec?.template?.metadata?.labels ?? {}));
    const hint = idle.length > 0 ? ` (${idle.map((w) => `${w.kind} ${key(w)}`).join(', ')}, whose pods it would select, ${idle.length > 1 ? 'are' : 'is'} scaled to 0)` : '';
    return `Service ${name} has no ready endpoint: no pod in namespace ${ns} matches its selector ${sel}${hint}`;
  }
  const ready = matching.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp);
  if (ready.length === 0) {
    const listed = matching.slice(0, 4).map((p) => `${p.metadata.name} (${podNotReadyReason(p)})`).join(', ');
    return `Service ${name} has no ready endpoint: ${matching.length} ${matching.length > 1 ? 'pods match' : 'pod matches'} its selector ${sel}, none is Ready: ${listed}`;
  }
  const target = port?.targetPort;
  if (typeof target === 'string' && !ready.some((p) => p.spec.containers.some((c) => c.ports?.some((cp) => cp.name === target)))) {
    return `Service ${name} has no endpoint for port ${portLabel(port!)}: its targetPort ${target} is a port name no selected pod declares (${declaredPorts(ready[0]!)})`;
  }
  return `Service ${name} has no ready endpoint yet: ${ready.length} Ready ${ready.length > 1 ? 'pods match' : 'pod matches'} its selector ${sel}, not yet in its EndpointSlices`;
}
