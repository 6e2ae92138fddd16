// Services: each selector Service has a ready endpoint on every port (or
// why not, in the terms trace uses), each LoadBalancer Service an address,
// and each node's service rules in the kernel are the ones the API's
// Services and EndpointSlices make now (the ruleset's version, compared).

import { matchesServiceSelector } from '../api/labels.js';
import { isPodReady } from '../api/pod-helpers.js';
import type { Pod, Service } from '../api/types.js';
import { isStarting } from './check-pods.js';
import { endpointsOf, key } from '../trace/lookup.js';
import { noEndpointsReason, portLabel } from '../trace/no-endpoints.js';
import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

const hasSelector = (svc: Service) => Object.keys(svc.spec.selector ?? {}).length > 0;
const done = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * Whether a Service without a ready endpoint is waiting for pods that are
 * starting (or Ready and not yet in its EndpointSlices: they follow), or
 * selects only pods that have completed; otherwise it is broken.
 */
export function withoutEndpoints(e: DoctorEvidence, svc: Service, reason: string): 'starting' | 'completed' | 'broken' {
  const selected = e.objects.pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && !p.metadata.deletionTimestamp && matchesServiceSelector(svc.spec.selector ?? {}, p.metadata.labels ?? {}));
  if (selected.length > 0 && selected.every(done)) return 'completed';
  if (reason.includes('not yet in its EndpointSlices')) return 'starting';
  return selected.length > 0 && selected.filter((p) => !done(p)).every((p) => isPodReady(p) || isStarting(p, e.now)) ? 'starting' : 'broken';
}

export function checkServices(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const cluster = e.objects;
  let served = 0;
  for (const svc of cluster.services) {
    if (svc.spec.type === 'ExternalName' || !hasSelector(svc)) continue;
    const ports = svc.spec.ports ?? [];
    const empty = ports.filter((p) => endpointsOf(cluster, svc, p).ready.length === 0);
    if (empty.length === 0) { served += 1; continue; }
    const reason = empty.length === ports.length ? noEndpointsReason(cluster, svc) : noEndpointsReason(cluster, svc, empty[0]);
    const which = empty.length === ports.length ? '' : ` (port ${empty.map(portLabel).join(', ')})`;
    const state = withoutEndpoints(e, svc, reason);
    // a headless Service over a finished Job's pods: no endpoint is what it should have
    if (state === 'completed') out.push(ok('Services', `Service ${key(svc)} selects only pods that have completed: it has no endpoint, as it should`));
    else out.push(state === 'starting' ? warn('Services', `${reason}${which}`) : fail('Services', `${reason}${which}`));
  }
  for (const svc of cluster.services) {
    if (svc.spec.type === 'LoadBalancer' && !(svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip)) {
      out.push(fail('Services', `Service ${key(svc)} is of type LoadBalancer and has no address yet (EXTERNAL-IP <pending>)`, `podnet describe svc ${svc.metadata.name} -n ${svc.metadata.namespace} shows the load balancer controller's events`));
    }
  }
  if (served > 0) out.unshift(ok('Services', `${plural(served, 'Service')} with a selector, each with a ready endpoint on every port`));
  out.push(...checkRules(e));
  return out;
}

function checkRules(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const inSync: string[] = [];
  for (const node of e.nodes) {
    if (!node.netns || node.expectedVersion === undefined) continue;
    if (node.rulesetVersion === undefined) {
      out.push(fail('Services', `node ${node.name} has no service rules (no nftables table ip podnet): no ClusterIP, NodePort or load-balancer address works there`, `its agent loads them at start: its log ${e.logs.agents.get(node.name) ?? ''} says why it did not`));
    } else if (node.rulesetVersion !== node.expectedVersion) {
      const last = node.proxyHealth?.lastUpdated ? `; its last sync was at ${node.proxyHealth.lastUpdated}` : '';
      const why = node.proxyHealth ? `the node agent syncs within a second of a change: a lasting difference is a sync nft rejected, named in ${e.logs.agents.get(node.name) ?? 'its log'}` : 'its node agent does not answer (see Nodes): nothing updates them';
      out.push(fail('Services', `node ${node.name}'s service rules are not the ones the API's Services and EndpointSlices make now (the kernel holds version ${node.rulesetVersion}, the API makes ${node.expectedVersion})${last}`, why));
    } else {
      inSync.push(node.name);
    }
  }
  if (inSync.length > 0) out.push(ok('Services', `the service rules in ${inSync.join(', ')} match the API's Services and EndpointSlices`));
  return out;
}
