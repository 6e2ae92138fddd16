// `podnet trace`'s reading of the evidence (pure): which layers the request
// crossed (DNS, the cloud load balancer, a node, the ingress controller, a
// Service, the pod), what each one did with it, and, when it failed, the
// first layer that failed and why, in the words of what the user can change
// (a Service without ready pods, a host no Ingress routes, a NetworkPolicy
// that drops). The DNS and ingress layers are in their own modules.

import type { Pod, Service, ServicePort } from '../api/types.js';
import { hostPortOwner } from '../cni/portmap.js';
import { inCidr } from '../proxy/ipv4.js';
import type { TraceEvidence } from './evidence.js';
import { dnsLayer } from './explain-dns.js';
import { ingressLayer } from './explain-ingress.js';
import { classify, destinationOf, endpointList, endpointsOf, headlessServiceOf, key, nodeIPs, podByIP, podLabel, reachesIngress } from './lookup.js';
import { declaredPorts, noEndpointsReason, portLabel } from './no-endpoints.js';
import { connectionFailure, dropsOf, dropsText, plural, type TraceReport } from './report.js';
import { answered, tracing, type Tracing } from './tracing.js';

export type { TraceReport } from './report.js';
export { noEndpointsReason } from './no-endpoints.js';

/** Where a trace can fail: what `podnet test`'s failsAt names. */
export const FAILURE_LAYERS = ['DNS', 'the network', 'the load balancer', 'the node', 'the ingress', 'the Service', 'NetworkPolicy', 'the pod', 'the destination'] as const;

/** Reads the evidence into the layers the request crossed. */
export function explainTrace(e: TraceEvidence): TraceReport {
  const t = tracing(e);
  const from = e.source.kind === 'outside' ? `the outside client (${e.source.ip})` : `pod ${e.source.pod!.namespace}/${e.source.pod!.name} (${e.source.ip} on ${e.source.pod!.node})`;
  t.r.lines.push(`Trace of ${e.method} ${e.url.href} from ${from}, request id ${e.requestId}:`, '');
  if (e.dns) {
    const failed = dnsLayer(t);
    if (failed) return failed;
  }
  const { ip, port } = destinationOf(e);
  const d = classify(t.cluster, e.source, ip, port);
  if (e.source.kind === 'outside' && !t.gotAnswer && ((d.kind === 'service' && d.via === 'ClusterIP') || d.kind === 'pod')) return insideOnly(t, ip, d.kind === 'service' ? d.svc : undefined, d.kind === 'pod' ? d.pod : undefined);
  switch (d.kind) {
    case 'load-balancer': {
      const failed = loadBalancer(t, d.svc, d.port, ip, port);
      if (failed) return failed;
      return reachesIngress(d) ? ingressLayer(t) : service(t, d.svc, d.port, ip, port);
    }
    case 'service':
      if (d.via === 'load-balancer address') t.r.layer('Load balancer', `${ip}:${port} is Service ${key(d.svc)}'s load-balancer address: from inside, the node's rules take it to the Service directly, as kube-proxy does (no cloud LB on the way)`);
      return reachesIngress(d) ? ingressLayer(t) : service(t, d.svc, d.port, ip, port);
    case 'node': return nodePort(t, d.node, d.svc, d.port, ip, port);
    case 'pod': return reachesIngress(d) ? ingressLayer(t) : directPod(t, d.pod, port);
    case 'unknown': {
      t.r.layer('Destination', `${ip || t.host}:${port} is no pod, Service, node or load-balancer address of the cluster`);
      if (!t.gotAnswer) return t.r.failed('the destination', connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs, e.curl.timeMs));
      t.r.note(t.tcp ? `accepted the connection in ${e.curl.timeMs} ms` : `answered ${e.curl.status} in ${e.curl.timeMs} ms`);
      return t.r.ok('other');
    }
  }
}

/** From the outside client, a ClusterIP or a pod IP: only the cluster routes those. */
function insideOnly(t: Tracing, ip: string, svc: Service | undefined, pod: Pod | undefined): TraceReport {
  t.r.layer('Destination', `${ip} is ${svc ? `Service ${key(svc)}'s ClusterIP` : `pod ${key(pod!)}'s IP`}`);
  const why = 'the outside client has no route to ClusterIPs and pod IPs, which only the cluster\'s nodes route: reach it through a LoadBalancer Service or an Ingress (or trace --from a pod)';
  return t.r.failed('the network', why, `${connectionFailure(t.e.curl.exit, t.e.curl.error, t.e.timeoutMs, t.e.curl.timeMs)}: ${why}`);
}

/** The cloud load balancer's layer (from outside); a report when it stopped the request there. */
function loadBalancer(t: Tracing, svc: Service, svcPort: ServicePort | undefined, ip: string, port: number): TraceReport | undefined {
  const { e, r, cluster } = t;
  if (!svcPort) {
    r.layer('Load balancer', `${ip}:${port} is Service ${key(svc)}'s address, which has no TCP port ${port} (ports ${(svc.spec.ports ?? []).map(portLabel).join(', ')})`);
    return r.failed('the load balancer', `the load balancer has no listener on TCP port ${port} of ${ip}`);
  }
  const chosen = e.lbChoice ? ` → ${nodeIPs(cluster).get(e.lbChoice.nodeIP) ?? '?'} (${e.lbChoice.nodeIP}:${e.lbChoice.nodePort}, the Service's NodePort)` : '';
  const health = e.lb ? e.lb.targets.map((x) => `${x.node} ${x.inService ? 'in service' : `out (${x.state}${x.detail ? `: ${x.detail}` : ''})`}`).join(', ') : 'no status';
  r.layer('Load balancer', `${ip}:${port} (Service ${key(svc)}, externalTrafficPolicy ${svc.spec.externalTrafficPolicy ?? 'Cluster'})${chosen}`);
  r.note(`health checks: ${health}`);
  if (t.gotAnswer) return undefined;
  const ranges = svc.spec.loadBalancerSourceRanges ?? [];
  if (ranges.length > 0 && !ranges.some((c) => inCidr(e.source.ip, c))) {
    return r.failed('the load balancer', `the load balancer drops ${e.source.ip}: the Service's loadBalancerSourceRanges (${ranges.join(', ')}) do not include it, as a cloud's security group would`);
  }
  if (e.lb && !e.lb.targets.some((x) => x.inService)) {
    const eps = endpointsOf(cluster, svc, svcPort);
    // the checks go on while the request waits: their drops show in the counters too
    const dropped = dropsOf(e.drops, e.source, eps.pods);
    const cause = dropped.length > 0 ? `; the checks (from the nodes, through the NodePort) are dropped by NetworkPolicy: ${dropsText(dropped)}: a policy on the backends must allow the nodes' addresses for a cloud LB's health checks (docs/network-policy.md)`
      : eps.ready.length > 0 ? '' : e.lb.externalTrafficPolicy === 'Local'
        ? `; with externalTrafficPolicy Local a node is healthy only with a ready endpoint of its own: ${noEndpointsReason(cluster, svc, svcPort)}`
        : `; every node's NodePort refuses: ${noEndpointsReason(cluster, svc, svcPort)}`;
    return r.failed('the load balancer', `no node passes the load balancer's health check, so it rejects the connection (${health})${cause}`);
  }
  return undefined;
}

/** A node's address: the NodePort of a Service, and whether the node may forward it. */
function nodePort(t: Tracing, node: string, svc: Service | undefined, svcPort: ServicePort | undefined, ip: string, port: number): TraceReport {
  const { e, r, cluster } = t;
  // the node's hostPort rules come before the service proxy's, as in its kernel
  const owner = hostPortOwner(cluster.pods.filter((p) => p.spec.nodeName === node), ip, port);
  const ownerPod = owner && cluster.pods.find((p) => key(p) === owner.pod);
  if (owner && ownerPod) {
    r.layer('Node', `${ip}:${port} is node ${node}: the hostPort of pod ${owner.pod}, DNATed by the node to its containerPort ${owner.containerPort} (as the CNI portmap plugin does)`);
    return directPod(t, ownerPod, owner.containerPort, ', reached through its hostPort');
  }
  r.layer('Node', `${ip}:${port} is node ${node}${svc ? `: the NodePort of Service ${key(svc)} port ${svcPort!.port}` : ', on no Service\'s NodePort'}`);
  if (!svc) {
    if (t.gotAnswer) {
      r.note(t.tcp ? `the node itself accepted the connection in ${e.curl.timeMs} ms` : `the node itself answered ${e.curl.status} in ${e.curl.timeMs} ms`);
      return r.ok('other');
    }
    const why = `no Service has NodePort ${port} (TCP)`;
    return r.failed('the node', why, `${connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs, e.curl.timeMs)}: ${why}`);
  }
  // from outside only: a pod's connection to a NodePort may go to any endpoint (kube-proxy's Local applies to external traffic)
  if (e.source.kind === 'outside' && svc.spec.externalTrafficPolicy === 'Local' && !t.gotAnswer && !endpointsOf(cluster, svc, svcPort).nodes.has(node)) {
    return r.failed('the node', `${node} has no ready endpoint of Service ${key(svc)}: with externalTrafficPolicy Local, kube-proxy drops its NodePort traffic there (forwarding to another node would lose the client's address)`);
  }
  return reachesIngress({ kind: 'node', node, svc, port: svcPort }) ? ingressLayer(t) : service(t, svc, svcPort, ip, port);
}

/** Where the Service's DNAT sent the connection, and what came back. */
function service(t: Tracing, svc: Service, svcPort: ServicePort | undefined, ip: string, port: number): TraceReport {
  const { e, r, cluster } = t;
  const name = key(svc);
  const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs, e.curl.timeMs);
  if (!svcPort) {
    r.layer('Service', `${name} (${ip}) has no TCP port ${port}: its ports are ${(svc.spec.ports ?? []).map((p) => `${portLabel(p)}${p.protocol && p.protocol !== 'TCP' ? ` ${p.protocol}` : ''}`).join(', ')}`);
    const why = `Service ${name} has no TCP port ${port}`;
    return r.failed('the Service', why, `${base}: ${why}`);
  }
  const eps = endpointsOf(cluster, svc, svcPort);
  const address = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? `ClusterIP ${svc.spec.clusterIP}:${svcPort.port}` : 'headless';
  r.layer('Service', `${name} ${address} → ${plural(eps.ready.length, 'ready endpoint')}${endpointList(eps.ready)}`);
  const node = e.source.pod?.node;
  if (svc.spec.internalTrafficPolicy === 'Local' && node && !t.gotAnswer && eps.ready.length > 0 && !eps.nodes.has(node)) {
    return r.failed('the Service', `Service ${name} has internalTrafficPolicy Local and ${node}, the source pod's node, has none of its endpoints: kube-proxy drops the connection there instead of crossing to another node`);
  }
  const fallback = eps.ready.length === 0 && eps.terminating.length > 0;
  if (fallback) r.note(`${plural(eps.terminating.length, 'terminating endpoint')} still serving${endpointList(eps.terminating)}: with none ready, kube-proxy sends new connections to them`);
  const pod = e.dnat ? podByIP(cluster, e.dnat.ip) : undefined;
  if (e.dnat) r.note(`${e.dnat.node}'s nftables DNAT chose ${e.dnat.ip}:${e.dnat.port}${pod ? ` (${pod.metadata.name})` : ''} (its conntrack entry)`);
  if (t.gotAnswer) return answered(t, pod);
  if (eps.ready.length === 0 && !fallback) {
    r.note(`✗ ${base}: kube-proxy rejects connections to a Service port without endpoints`);
    return r.failed('the Service', noEndpointsReason(cluster, svc, svcPort));
  }
  // a policy drops a connection's first packet: its counters are this request's only if the connection never opened
  const dropped = e.curl.connected ? [] : dropsOf(e.drops, e.source, pod ? [key(pod)] : eps.pods);
  if (dropped.length > 0) return r.failed('NetworkPolicy', dropsText(dropped), `${base}: dropped by NetworkPolicy: ${dropsText(dropped)}`);
  const target = svcPort.targetPort ?? svcPort.port;
  if (e.curl.exit !== 7) return r.failed('the pod', pod ? `pod ${key(pod)}: ${base}` : base);
  return r.failed('the pod', `${pod ? `pod ${key(pod)}` : 'the endpoint'}: ${base}: nothing listens on its targetPort ${target}${pod ? ` (${declaredPorts(pod)})` : ''}`);
}

/** A pod reached by its own IP: directly, or through a headless Service's name. */
function directPod(t: Tracing, pod: Pod, port: number, via?: string): TraceReport {
  const { e, r } = t;
  const headless = e.dns ? headlessServiceOf(t.cluster, e.dns.qname) : undefined;
  const how = via ?? (headless ? `, reached by its own IP: ${key(headless)} is a headless Service (its name resolves to the pods, no ClusterIP, no DNAT)` : ', reached directly by its IP (no Service)');
  if (t.gotAnswer) return answered(t, pod, how);
  r.layer('Pod', `${podLabel(pod)}${how}`);
  const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs, e.curl.timeMs);
  const dropped = e.curl.connected ? [] : dropsOf(e.drops, e.source, [key(pod)]);
  if (dropped.length > 0) return r.failed('NetworkPolicy', dropsText(dropped), `${base}: dropped by NetworkPolicy: ${dropsText(dropped)}`);
  const refused = e.curl.exit === 7 ? `: nothing listens on port ${port} of pod ${pod.metadata.name} (${declaredPorts(pod)})` : '';
  return r.failed('the pod', `pod ${key(pod)}: ${base}${refused}`);
}
