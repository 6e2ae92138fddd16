// Ingress: NGINX answers the outside client through the controller's
// load-balancer address, and each Ingress podnet's controller serves has an
// address, its backends (a Service that exists, with that port and a ready
// endpoint) and its TLS Secrets.

import type { Ingress, IngressBackend } from '../api/types.js';
import { servedByUs } from '../ingress/ingress-class.js';
import { backendText, servicePortOf } from '../trace/explain-ingress.js';
import { endpointsOf, key } from '../trace/lookup.js';
import { noEndpointsReason, portLabel } from '../trace/no-endpoints.js';
import { connectionFailure, plural } from '../trace/report.js';
import { withoutEndpoints } from './check-services.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

const PROBE_TIMEOUT_MS = 5_000;

function backendsOf(ing: Ingress): IngressBackend[] {
  const paths = (ing.spec.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.backend);
  return ing.spec.defaultBackend ? [ing.spec.defaultBackend, ...paths] : paths;
}

/**
 * What is wrong with one backend, or undefined when it has a ready endpoint;
 * `starting` when its pods are only starting, `unresolved` when the Service or its port is not there.
 */
export function backendProblem(e: DoctorEvidence, ns: string, b: IngressBackend): { text: string; starting?: boolean; unresolved?: boolean } | undefined {
  if (!b.service) return undefined;
  const svc = e.objects.services.find((s) => s.metadata.namespace === ns && s.metadata.name === b.service!.name);
  if (!svc) return { text: `its backend ${backendText(ns, b)} names a Service that does not exist: NGINX answers 503`, unresolved: true };
  const port = servicePortOf(svc, undefined, b);
  if (!port) return { text: `its backend ${backendText(ns, b)} names a port Service ${key(svc)} does not have (it has ${(svc.spec.ports ?? []).map(portLabel).join(', ')}): NGINX answers 503`, unresolved: true };
  if (svc.spec.type === 'ExternalName' || endpointsOf(e.objects, svc, port).ready.length > 0) return undefined;
  const reason = noEndpointsReason(e.objects, svc, port);
  return { text: `its backend ${backendText(ns, b)} has no ready endpoint, so NGINX answers 503: ${reason}`, starting: withoutEndpoints(e, svc, reason) === 'starting' };
}

export function checkIngress(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const probe = e.ingressProbe;
  if (probe) {
    const c = probe.curl;
    out.push(c.status > 0
      ? ok('Ingress', `NGINX answers the outside client through ${probe.address} (its default server: ${c.status})`)
      : fail('Ingress', `the outside client gets no answer from NGINX through ${probe.address}: ${connectionFailure(c.exit, c.error, PROBE_TIMEOUT_MS, c.timeMs)}`,
        'the Load balancer and Pods checks say whether a healthy node and a Ready controller pod are behind it'));
  }
  const secrets = new Set(e.objects.secretNames);
  let good = 0;
  for (const ing of e.objects.ingresses) {
    if (!servedByUs(ing, e.objects.ingressClasses)) continue;
    const ns = ing.metadata.namespace!;
    // by text: two paths to one backend are one problem
    const problems = new Map<string, boolean>();
    for (const b of backendsOf(ing)) {
      const p = backendProblem(e, ns, b);
      if (p) problems.set(p.text, !!p.starting);
    }
    for (const tls of ing.spec.tls ?? []) {
      if (tls.secretName && !secrets.has(`${ns}/${tls.secretName}`)) problems.set(`its TLS Secret ${ns}/${tls.secretName} does not exist: NGINX presents its self-signed default certificate for ${(tls.hosts ?? []).join(', ') || 'its hosts'}`, false);
    }
    // a backend whose pods are only starting answers 503 for a moment: a warning, as under Services
    for (const [p, starting] of problems) out.push((starting ? warn : fail)('Ingress', `Ingress ${key(ing)}: ${p}`));
    if (!(ing.status?.loadBalancer?.ingress ?? []).some((i) => i.ip)) out.push(warn('Ingress', `Ingress ${key(ing)} has no address yet: the controller sets it once it serves the Ingress`));
    else if (problems.size === 0) good += 1;
  }
  if (good > 0) out.push(ok('Ingress', `${plural(good, 'Ingress')} served with an address, every backend with a ready endpoint and every TLS Secret present`));
  return out;
}
