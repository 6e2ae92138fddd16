// `kubectl describe` for the Service-facing kinds: Service, EndpointSlice,
// Ingress, IngressClass (describe.go describeService, describeEndpointSliceV1,
// describeIngressV1, describeIngressClassV1). Endpoints come from the
// EndpointSlices the caller passes, as kubectl lists them by the
// kubernetes.io/service-name label.

import type { EndpointAddress, Endpoints, EndpointSlice, Event, Ingress, IngressBackend, IngressClass, Service } from '../../api/types.js';
import type { Instant } from './age.js';
import {
  describeEvents, type DescribeRelated, LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, nsOf, PrefixWriter, printAnnotationsMultiline,
  printLabelsMultiline, untyped,
} from './describe-writer.js';
import { formatLabels } from './selectors.js';

/** The EndpointSlice label naming its Service (discovery.k8s.io/v1 LabelServiceName). */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** formatEndpointSlices shows this many endpoints, then "+ N more...". */
const ENDPOINTS_MAX = 3;

/** intstr.String(): `8080` or `http`. */
function intOrString(v: number | string | undefined, fallback: string): string {
  return v === undefined || v === null ? fallback : String(v);
}

/** formatEndpointSlices: ready `ip:port` for the named service port, first three then "+ N more...". */
export function formatEndpointSlices(slices: readonly EndpointSlice[], portName: string | null): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const s of slices) {
    const endpoints = s.endpoints ?? [];
    const ready = (e: (typeof endpoints)[number]): boolean => e.conditions?.ready === undefined || e.conditions.ready === null || e.conditions.ready;
    if ((s.ports ?? []).length === 0) {
      for (const e of endpoints) {
        if (list.length === ENDPOINTS_MAX) more = true;
        if (!ready(e)) continue;
        if (!more) list.push(e.addresses[0] ?? '');
        count++;
      }
      continue;
    }
    for (const port of s.ports!) {
      if (portName !== null && (port.name ?? '') !== portName) continue;
      for (const e of endpoints) {
        if (list.length === ENDPOINTS_MAX) more = true;
        if (!ready(e)) continue;
        const addr = e.addresses[0] ?? '';
        if (!more) list.push(`${addr.includes(':') ? `[${addr}]` : addr}:${port.port}`);
        count++;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - ENDPOINTS_MAX} more...` : ret;
}

function slicesOfService(related: DescribeRelated, namespace: string, name: string): EndpointSlice[] {
  return (related.endpointSlices ?? []).filter((s) =>
    s.metadata.labels?.[SERVICE_NAME_LABEL] === name && (!s.metadata.namespace || s.metadata.namespace === namespace));
}

export function describeService(svc: Service, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  const spec = svc.spec ?? {};
  w.write(LEVEL_0, `Name:\t${svc.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(svc)}\n`);
  printLabelsMultiline(w, 'Labels', svc.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
  w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(LEVEL_0, `Type:\t${spec.type ?? 'ClusterIP'}\n`);
  if (spec.ipFamilyPolicy) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(LEVEL_0, `IP Families:\t${(spec.ipFamilies ?? []).join(',') || '<none>'}\n`);
  w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(LEVEL_0, `IPs:\t${(spec.clusterIPs ?? []).join(',') || '<none>'}\n`);
  if ((spec.externalIPs ?? []).length > 0) w.write(LEVEL_0, `External IPs:\t${spec.externalIPs!.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
  if (spec.externalName) w.write(LEVEL_0, `External Name:\t${spec.externalName}\n`);
  const lbIngress = svc.status?.loadBalancer?.ingress ?? [];
  if (lbIngress.length > 0) {
    const list = lbIngress.map((i) => {
      const mode = untyped<string>(i, 'ipMode');
      return i.ip ? `${i.ip}${mode ? ` (${mode})` : ''}` : i.hostname ?? '';
    }).join(', ');
    w.write(LEVEL_0, `LoadBalancer Ingress:\t${list}\n`);
  }
  const slices = slicesOfService(related, nsOf(svc), svc.metadata.name ?? '');
  for (const sp of spec.ports ?? []) {
    const name = sp.name || '<unset>';
    const proto = sp.protocol ?? 'TCP';
    w.write(LEVEL_0, `Port:\t${name}\t${sp.port}/${proto}\n`);
    w.write(LEVEL_0, `TargetPort:\t${intOrString(sp.targetPort, String(sp.port))}/${proto}\n`);
    if (sp.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${sp.nodePort}/${proto}\n`);
    w.write(LEVEL_0, `Endpoints:\t${formatEndpointSlices(slices, sp.name ?? '')}\n`);
  }
  w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(LEVEL_0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  const ranges = untyped<string[]>(spec, 'loadBalancerSourceRanges') ?? [];
  if (ranges.length > 0) w.write(LEVEL_0, `LoadBalancer Source Ranges:\t${ranges.join(',')}\n`);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/** kubectl's describeEndpoints: each subset's ready and not-ready addresses and its ports. */
export function describeEndpoints(ep: Endpoints, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${ep.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(ep)}\n`);
  printLabelsMultiline(w, 'Labels', ep.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
  w.write(LEVEL_0, 'Subsets:\n');
  for (const subset of ep.subsets ?? []) {
    const ips = (list: EndpointAddress[] | undefined) => (list ?? []).map((a) => a.ip).join(',') || '<none>';
    w.write(LEVEL_1, `Addresses:\t${ips(subset.addresses)}\n`);
    w.write(LEVEL_1, `NotReadyAddresses:\t${ips(subset.notReadyAddresses)}\n`);
    if ((subset.ports ?? []).length === 0) {
      w.write(LEVEL_1, 'Ports: <none>\n');
    } else {
      w.write(LEVEL_1, 'Ports:\n');
      w.write(LEVEL_2, 'Name\tPort\tProtocol\n');
      w.write(LEVEL_2, '----\t----\t--------\n');
      for (const p of subset.ports!) w.write(LEVEL_2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? 'TCP'}\n`);
    }
    w.write(LEVEL_0, '\n');
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

export function describeEndpointSlice(eps: EndpointSlice, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${eps.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(eps)}\n`);
  printLabelsMultiline(w, 'Labels', eps.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', eps.metadata.annotations);
  w.write(LEVEL_0, `AddressType:\t${eps.addressType ?? ''}\n`);
  if ((eps.ports ?? []).length === 0) {
    w.write(LEVEL_0, 'Ports: <unset>\n');
  } else {
    w.write(LEVEL_0, 'Ports:\n');
    w.write(LEVEL_1, 'Name\tPort\tProtocol\n');
    w.write(LEVEL_1, '----\t----\t--------\n');
    for (const p of eps.ports!) {
      w.write(LEVEL_1, `${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? 'TCP'}\n`);
    }
  }
  if ((eps.endpoints ?? []).length === 0) {
    w.write(LEVEL_0, 'Endpoints: <none>\n');
  } else {
    w.write(LEVEL_0, 'Endpoints:\n');
    for (const e of eps.endpoints) {
      w.write(LEVEL_1, `- Addresses:\t${e.addresses.join(', ') || '<none>'}\n`);
      w.write(LEVEL_2, 'Conditions:\n');
      const ready = e.conditions?.ready;
      w.write(LEVEL_3, `Ready:\t${ready === undefined || ready === null ? '<unset>' : String(ready)}\n`);
      w.write(LEVEL_2, `Hostname:\t${e.hostname ?? '<unset>'}\n`);
      if (e.targetRef) w.write(LEVEL_2, `TargetRef:\t${e.targetRef.kind ?? ''}/${e.targetRef.name ?? ''}\n`);
      w.write(LEVEL_2, `NodeName:\t${e.nodeName ?? '<unset>'}\n`);
      w.write(LEVEL_2, `Zone:\t${e.zone ?? '<unset>'}\n`);
    }
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/** describeBackendV1: `svc:port (endpoints)` or the resource reference. */
function describeIngressBackend(ns: string, backend: IngressBackend, related: DescribeRelated): string {
  if (backend.service) {
    const b = backend.service;
    const sb = `${b.name}:${b.port?.number ? b.port.number : b.port?.name ?? ''}`;
    let portName = b.port?.name ?? '';
    if (related.services) {
      const svc = related.services.find((s) => s.metadata.name === b.name && (!s.metadata.namespace || s.metadata.namespace === ns));
      if (!svc) return `${sb} (<error: services "${b.name}" not found>)`;
      portName = '';
      for (const sp of svc.spec.ports ?? []) {
        if ((b.port?.number && b.port.number === sp.port) || (b.port?.name && b.port.name === sp.name)) portName = sp.name ?? '';
      }
    }
    return `${sb} (${formatEndpointSlices(slicesOfService(related, ns, b.name), portName)})`;
  }
  if (backend.resource) {
    const r = backend.resource;
    return `APIGroup: ${r.apiGroup ?? '<none>'}, Kind: ${r.kind}, Name: ${r.name}`;
  }
  return '';
}

export function describeIngress(ing: Ingress, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  const ns = nsOf(ing);
  w.write(LEVEL_0, `Name:\t${ing.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', ing.metadata.labels);
  w.write(LEVEL_0, `Namespace:\t${ns}\n`);
  const addresses = [...new Set((ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((a) => a))].sort();
  w.write(LEVEL_0, `Address:\t${addresses.join(',')}\n`);
  w.write(LEVEL_0, `Ingress Class:\t${ing.spec.ingressClassName ?? '<none>'}\n`);
  const def = ing.spec.defaultBackend ? describeIngressBackend(ns, ing.spec.defaultBackend, related) : '<default>';
  w.write(LEVEL_0, `Default backend:\t${def}\n`);
  if ((ing.spec.tls ?? []).length > 0) {
    w.write(LEVEL_0, 'TLS:\n');
    for (const t of ing.spec.tls!) {
      const hosts = (t.hosts ?? []).join(',');
      w.write(LEVEL_1, t.secretName ? `${t.secretName} terminates ${hosts}\n` : `SNI routes ${hosts}\n`);
    }
  }
  w.write(LEVEL_0, 'Rules:\n  Host\tPath\tBackends\n');
  w.write(LEVEL_1, '----\t----\t--------\n');
  let count = 0;
  for (const rule of ing.spec.rules ?? []) {
    if (!rule.http) continue;
    count++;
    w.write(LEVEL_1, `${rule.host || '*'}\t\n`);
    for (const p of rule.http.paths ?? []) w.write(LEVEL_2, `\t${p.path ?? ''} \t${describeIngressBackend(ns, p.backend, related)}\n`);
  }
  if (count === 0) w.write(LEVEL_1, `*\t*\t${def}\n`);
  printAnnotationsMultiline(w, 'Annotations', ing.metadata.annotations);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

export function describeIngressClass(ic: IngressClass, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${ic.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', ic.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ic.metadata.annotations);
  w.write(LEVEL_0, `Controller:\t${ic.spec?.controller ?? ''}\n`);
  const p = ic.spec?.parameters;
  if (p) {
    w.write(LEVEL_0, 'Parameters:\n');
    if (p.apiGroup !== undefined) w.write(LEVEL_1, `APIGroup:\t${p.apiGroup}\n`);
    w.write(LEVEL_1, `Kind:\t${p.kind}\n`);
    w.write(LEVEL_1, `Name:\t${p.name}\n`);
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}
