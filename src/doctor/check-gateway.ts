// Gateway API: what podnet's controller wrote about the objects it serves
// (docs/gateway.md "Conditions you will see"): our GatewayClasses accepted,
// our Gateways programmed with an address and every listener served, each
// HTTPRoute accepted with its references resolved, and its backends with a
// ready endpoint (as for an Ingress's).

import type { Gateway, HTTPRoute, ParentReference } from '../api/gateway-types.js';
import type { Condition } from '../api/types.js';
import { GATEWAY_CONTROLLER_NAME } from '../config.js';
import { key } from '../trace/lookup.js';
import { plural } from '../trace/report.js';
import { backendProblem } from './check-ingress.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

const SECTION = 'Gateway API';

const isTrue = (conditions: readonly Condition[] | undefined, type: string) => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
const said = (conditions: readonly Condition[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c ? `${type} ${c.status} (${c.reason}${c.message ? `: ${c.message}` : ''})` : `no ${type} condition yet`;
};

function parentOf(route: HTTPRoute, ref: ParentReference): { namespace: string; name: string } {
  return { namespace: ref.namespace ?? route.metadata.namespace!, name: ref.name };
}

export function checkGateway(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const { gatewayClasses, gateways, httpRoutes } = e.objects;
  const ours = new Set(gatewayClasses.filter((c) => c.spec.controllerName === GATEWAY_CONTROLLER_NAME).map((c) => c.metadata.name!));
  for (const c of gatewayClasses) {
    if (ours.has(c.metadata.name!) && !isTrue(c.status?.conditions, 'Accepted')) {
      out.push(fail(SECTION, `GatewayClass ${c.metadata.name} is not accepted: ${said(c.status?.conditions, 'Accepted')}`, 'the ingress controller accepts it: podnet get pods -n ingress-nginx'));
    }
  }
  const ourGateways = gateways.filter((g) => ours.has(g.spec.gatewayClassName));
  let programmed = 0;
  for (const g of ourGateways) {
    const problems = gatewayProblems(g);
    for (const p of problems) out.push(fail(SECTION, `Gateway ${key(g)}: ${p}`, `podnet describe gateway ${g.metadata.name} -n ${g.metadata.namespace}`));
    if (problems.length === 0) programmed += 1;
  }
  const served = new Set(ourGateways.map((g) => key(g)));
  let accepted = 0;
  for (const route of httpRoutes) {
    const refs = (route.spec.parentRefs ?? []).filter((r) => (r.kind ?? 'Gateway') === 'Gateway' && served.has(`${parentOf(route, r).namespace}/${r.name}`));
    if (refs.length === 0) continue;
    const problems = new Map<string, 'warn' | 'fail'>();
    for (const ref of refs) {
      const parent = parentOf(route, ref);
      const status = route.status?.parents?.find((p) => p.controllerName === GATEWAY_CONTROLLER_NAME && p.parentRef.name === ref.name
        && (p.parentRef.namespace ?? route.metadata.namespace) === parent.namespace && p.parentRef.sectionName === ref.sectionName);
      const on = `on Gateway ${parent.namespace}/${parent.name}${ref.sectionName ? ` (listener ${ref.sectionName})` : ''}`;
      if (!status) { problems.set(`${on}: no status from the controller yet`, 'warn'); continue; }
      if (!isTrue(status.conditions, 'Accepted')) problems.set(`${on}: not served: ${said(status.conditions, 'Accepted')}`, 'fail');
      if (!isTrue(status.conditions, 'ResolvedRefs')) problems.set(`${on}: ${said(status.conditions, 'ResolvedRefs')}; its share of requests answers 500`, 'fail');
      if (isTrue(status.conditions, 'PartiallyInvalid')) problems.set(`${on}: ${said(status.conditions, 'PartiallyInvalid')}`, 'warn');
    }
    const ns = route.metadata.namespace!;
    // a missing Service or port is the ResolvedRefs condition's to report: only readiness here
    for (const b of (route.spec.rules ?? []).flatMap((r) => r.backendRefs ?? [])) {
      if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '' || b.port === undefined) continue;
      const p = backendProblem(e, b.namespace ?? ns, { service: { name: b.name, port: { number: b.port } } });
      if (p && !p.unresolved) problems.set(p.text, p.starting ? 'warn' : 'fail');
    }
    for (const [text, level] of problems) out.push((level === 'fail' ? fail : warn)(SECTION, `HTTPRoute ${key(route)}: ${text}`));
    if (problems.size === 0) accepted += 1;
  }
  if (programmed > 0 || accepted > 0) {
    out.push(ok(SECTION, `${plural(programmed, 'Gateway')} programmed, ${plural(accepted, 'HTTPRoute')} accepted with every backend resolved and ready`));
  }
  return out;
}

/** What keeps one of our Gateways from serving all it asks for. */
function gatewayProblems(g: Gateway): string[] {
  const problems: string[] = [];
  if (!isTrue(g.status?.conditions, 'Programmed')) problems.push(said(g.status?.conditions, 'Programmed'));
  for (const l of g.status?.listeners ?? []) {
    if (!isTrue(l.conditions, 'Programmed')) problems.push(`listener ${l.name}: ${said(l.conditions, 'Programmed')}`);
  }
  return problems;
}
