// The ingress controller's layer of a trace (pure): the rule NGINX matched
// (from its access-log line, found by the request's id), the TLS Secret it
// chose, the Service and the upstreams it tried, and NGINX's own answers
// (404 from its default server, 403 for an allowlist, 502/503/504, the
// HTTPS redirect) told apart from a backend's.

import type { Ingress, IngressBackend, Pod, Service, ServicePort } from '../api/types.js';
import { parseAnnotations } from '../ingress/annotations.js';
import { servedByUs } from '../ingress/ingress-class.js';
import { endpointList, endpointsOf, INGRESS_NAMESPACE, key, podByIP, podLabel } from './lookup.js';
import { declaredPorts, noEndpointsReason, portLabel } from './no-endpoints.js';
import { connectionFailure, dropsOf, dropsText, plural, type TraceReport } from './report.js';
import type { AccessLine } from './evidence.js';
import { answered, type Tracing } from './tracing.js';

/** upstream_addr and its per-try fields: ", " between tries, " : " across an internal redirect */
const TRIES = /, | : /;

interface Rule { ing: Ingress; host: string; path: string; pathType: string | undefined; backend: IngressBackend }

/**
 * The Ingress rules NGINX routes a host by, of the Ingresses podnet's
 * controller serves: the host's own, else a wildcard's, else the host-less
 * ones (exact beats wildcard beats none).
 */
function rulesForHost(t: Tracing): Rule[] {
  const { cluster, host } = t;
  const served = cluster.ingresses.filter((ing) => servedByUs(ing, cluster.ingressClasses));
  const all = served.flatMap((ing) => (ing.spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => ({ ing, host: rule.host ?? '', path: p.path ?? '/', pathType: p.pathType, backend: p.backend }))));
  const wildcard = (h: string) => h.startsWith('*.') && host.endsWith(h.slice(1)) && !host.slice(0, host.length - h.length + 1).includes('.');
  for (const matches of [(h: string) => h === host, wildcard, (h: string) => h === '']) {
    const found = all.filter((r) => matches(r.host));
    if (found.length > 0) return found;
  }
  return [];
}

export function backendText(ns: string | undefined, b: IngressBackend): string {
  const s = b.service;
  return `${ns}/${s?.name ?? b.resource?.name ?? '?'}${s?.port ? `:${s.port.number ?? s.port.name}` : ''}`;
}

/** The access log's "namespace/name:port" of the Service NGINX used. */
function loggedService(a: AccessLine): { namespace: string; name: string; port: string | undefined } | undefined {
  const m = /^([^/]+)\/([^:]+)(?::(.+))?$/.exec(a.service);
  return m ? { namespace: m[1]!, name: m[2]!, port: m[3] } : undefined;
}

/** The controller's pods, "namespace/name". */
function controllerPods(t: Tracing): string[] {
  return t.cluster.pods.filter((p) => p.metadata.namespace === INGRESS_NAMESPACE).map(key);
}

export function ingressLayer(t: Tracing): TraceReport {
  const { e, r } = t;
  const nginx = `NGINX (${e.ingressPod ?? 'the ingress controller'})`;
  if (!t.gotAnswer) return noAnswer(t, nginx);
  if (t.tcp) {
    r.layer('Ingress', `${nginx} accepted the connection in ${e.curl.timeMs} ms (a TCP check sends no request, so no Ingress rule is chosen)`);
    return r.ok();
  }
  const a = e.access;
  if (!a) {
    if (e.curl.status === 404) return defaultServer(t, nginx);
    r.layer('Ingress', `${nginx} answered ${e.curl.status}; its access-log line for request id ${e.requestId} was not found, so the rule and the pod are not known`);
    return e.curl.status < 400 ? r.ok() : r.failed('the ingress', `NGINX answered ${e.curl.status}, with no access-log line to say why`);
  }
  if (!a.ingress) return defaultServer(t, nginx);
  return matched(t, nginx, a);
}

/** No answer from NGINX: a policy that dropped the connection to it or from it, or a backend NGINX still waits for. */
function noAnswer(t: Tracing, nginx: string): TraceReport {
  const { e, r, cluster } = t;
  r.layer('Ingress', `${nginx} gave no answer`);
  const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs, e.curl.timeMs);
  if (!e.curl.connected) {
    const dropped = dropsOf(e.drops, e.source, controllerPods(t));
    if (dropped.length > 0) return r.failed('NetworkPolicy', dropsText(dropped), `${base}: dropped by NetworkPolicy: ${dropsText(dropped)}`);
    return r.failed('the ingress', base);
  }
  const rules = rulesForHost(t);
  // NGINX accepted the connection and waits on the backend: the pods of the Services the host's rules route to
  const targets = rules.flatMap((rule) => {
    const svc = cluster.services.find((s) => s.metadata.namespace === rule.ing.metadata.namespace && s.metadata.name === rule.backend.service?.name);
    return svc ? endpointsOf(cluster, svc, undefined).pods : [];
  });
  const dropped = dropsOf(e.drops, undefined, targets);
  if (dropped.length > 0) return r.failed('NetworkPolicy', `NGINX's connection to the backend was dropped: ${dropsText(dropped)}`, `${base}: NGINX's connection to the backend was dropped by NetworkPolicy: ${dropsText(dropped)}`);
  if (rules.length > 0 && e.curl.exit === 28) {
    const read = Math.max(...rules.map((x) => parseAnnotations(x.ing.metadata.annotations).options.proxyReadTimeoutS));
    const backends = [...new Set(rules.map((x) => backendText(x.ing.metadata.namespace, x.backend)))].join(', ');
    return r.failed('the pod', `NGINX was still waiting for the backend (${backends}): no policy dropped anything, and NGINX waits up to its proxy-read-timeout (${read} s) for a pod that accepted the connection without answering; trace the Service --from a pod to see the pod itself`, `${base}: NGINX was still waiting for the backend (${backends}) after ${e.timeoutMs / 1000} s; it waits up to its proxy-read-timeout (${read} s)`);
  }
  return r.failed('the ingress', base);
}

/** A rule matched: the TLS Secret, the Service, the upstreams tried, and whose answer came back. */
function matched(t: Tracing, nginx: string, a: AccessLine): TraceReport {
  const { e, r, cluster, host } = t;
  const ing = cluster.ingresses.find((i) => key(i) === a.ingress);
  const logged = loggedService(a);
  // the rule NGINX matched: its path, and the Service the log names (one path may be there as Exact and as Prefix)
  const candidates = ing ? rulesForHost({ ...t, cluster: { ...cluster, ingresses: [ing] } }).filter((x) => x.path === a.rule_path) : [];
  const rule = candidates.find((x) => x.backend.service?.name === logged?.name) ?? candidates[0];
  const backend = a.service || (rule ? backendText(ing!.metadata.namespace, rule.backend) : '?');
  const route = routeOwner(a.ingress);
  r.layer('Ingress', `${nginx} matched host ${a.rule_host || '*'} path ${a.rule_path} of ${route.text} → ${backend}; saw the client as ${a.remote_addr}`);
  tlsNote(t);
  const { options, problems } = parseAnnotations(ing?.metadata.annotations);
  const upstreams = a.upstream_addr.split(TRIES).filter(Boolean);
  if (upstreams.length === 0 && a.status === 403 && options.allowlist) {
    // an invalid list denies every source (closed rather than open): its own problem says why
    const invalid = problems.find((p) => p.reason === 'InvalidAnnotation' && /(allow|white)list-source-range$/.test(p.annotation));
    return r.failed('the ingress', invalid
      ? `NGINX refused the client ${a.remote_addr} (403): Ingress ${a.ingress} has an ${invalid.message}`
      : `NGINX refused the client ${a.remote_addr} (403): Ingress ${a.ingress} allows only ${options.allowlist.join(', ')} (its allowlist-source-range annotation)`);
  }
  if (upstreams.length === 0 && route.httpRoute && a.status !== 503 && a.status !== 502) {
    r.note(a.status === 301 || a.status === 302 ? `NGINX redirected it (${a.status}): a RequestRedirect filter of ${route.text}` : `NGINX answered ${a.status} itself, without an upstream${a.status === 500 ? ` (${route.text} sends this request's share to a backendRef that cannot be used; podnet describe httproute says why)` : ''}`);
    return a.status === 500 ? r.failed('the ingress', `${route.text} has no usable backend for this request (500)`) : r.ok('ingress');
  }
  if (upstreams.length === 0 && a.status !== 503 && a.status !== 502) {
    const redirect = a.status === 308 || a.status === 301;
    r.note(redirect ? `NGINX redirected it to HTTPS (${a.status}): host ${a.rule_host} has TLS, and plain HTTP is redirected as ingress-nginx does; trace https://${host}${e.url.pathname} follows it` : `NGINX answered ${a.status} itself, without an upstream`);
    return r.ok('ingress');
  }
  const svc = backendService(t, logged, rule?.backend, ing?.metadata.namespace);
  if (typeof svc === 'string') {
    r.layer('Service', `${backend}: NGINX has no upstream for it, its own ${a.status} server answered`);
    return r.failed('the Service', svc);
  }
  const port = servicePortOf(svc, logged?.port, rule?.backend);
  const last = upstreams.at(-1) ?? '';
  if (last.startsWith('unix:') || upstreams.length === 0) {
    r.layer('Service', `${backend}: NGINX's balancer had no ready pod, its own 503 server answered`);
    return r.failed('the Service', noEndpointsReason(cluster, svc, port));
  }
  const eps = endpointsOf(cluster, svc, port);
  const address = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? ` ClusterIP ${svc.spec.clusterIP}${logged?.port ? `:${logged.port}` : ''}` : '';
  r.layer('Service', `${key(svc)}${address} → ${plural(eps.ready.length, 'ready endpoint')}${endpointList(eps.ready)}`);
  const tried = upstreams.map((u) => {
    const ip = u.split(':')[0]!;
    if (ip === svc.spec.clusterIP) return `the ClusterIP ${u} (after the pods failed, podnet's controller tries the Service's ClusterIP)`;
    const p = podByIP(cluster, ip);
    return `${u}${p ? ` (${p.metadata.name})` : ''}`;
  });
  r.note(`NGINX's balancer sent it to ${tried.join(', then ')} (pod IPs, as ingress-nginx; upstream status ${a.upstream_status || '-'})`);
  const lastIP = last.split(':')[0]!;
  if (lastIP === svc.spec.clusterIP && e.reply?.podIP) r.note(`the node's nftables DNAT chose ${e.reply.podIP} behind the ClusterIP`);
  // a 502/503/504 with bytes from the upstream is the backend's own answer, passed through
  const bytes = (a.upstream_bytes_received ?? '').split(TRIES).at(-1) ?? '';
  if ((a.status === 502 || a.status === 504) && !(Number(bytes) > 0)) return upstreamFailed(t, a, upstreams, svc, options);
  return answered(t, podByIP(cluster, lastIP), '', a.status >= 500 ? ' (its own answer: NGINX passed it through)' : '');
}

/** Who the matched rule belongs to: the access log names an Ingress `ns/name` or an HTTPRoute `HTTPRoute/ns/name` (route-table.ts refKey). */
function routeOwner(logged: string): { text: string; httpRoute: boolean } {
  return logged.startsWith('HTTPRoute/') ? { text: `HTTPRoute ${logged.slice('HTTPRoute/'.length)}`, httpRoute: true } : { text: `Ingress ${logged}`, httpRoute: false };
}

/** The TLS line of an HTTPS request: the Secret the host's TLS section names, or NGINX's default certificate when it is not there. */
function tlsNote(t: Tracing): void {
  const { e, r, cluster, host } = t;
  if (e.url.protocol !== 'https:') return;
  const tls = cluster.ingresses.flatMap((i) => (i.spec.tls ?? []).filter((x) => x.hosts?.includes(host)).map((x) => `${i.metadata.namespace}/${x.secretName}`))[0];
  if (!tls) return;
  r.note(cluster.secretNames.includes(tls) ? `TLS terminated by NGINX with the certificate of Secret ${tls} (chosen by SNI ${host})`
    : `TLS terminated by NGINX with its default self-signed certificate: Secret ${tls}, which the Ingress names for ${host}, does not exist`);
}

/** The backend Service NGINX routed to, or why there is none: it does not exist, or has no such port. */
function backendService(t: Tracing, logged: ReturnType<typeof loggedService>, backend: IngressBackend | undefined, ns: string | undefined): Service | string {
  const name = logged?.name ?? backend?.service?.name;
  const namespace = logged?.namespace ?? ns;
  const svc = t.cluster.services.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
  if (!svc) return `Service ${namespace}/${name ?? '?'} does not exist (the Ingress's backend)`;
  if (!servicePortOf(svc, logged?.port, backend)) {
    const want = logged?.port ?? backend?.service?.port?.number ?? backend?.service?.port?.name;
    return `Service ${key(svc)} has no port ${want} (the Ingress's backend port; its ports are ${(svc.spec.ports ?? []).map(portLabel).join(', ')})`;
  }
  return svc;
}

/** The Service port NGINX used: the access log's (what it used), else the rule's. */
export function servicePortOf(svc: Service, logged: string | undefined, backend: IngressBackend | undefined): ServicePort | undefined {
  const want = logged ? (/^\d+$/.test(logged) ? { number: Number(logged) } : { name: logged }) : backend?.service?.port;
  if (!want) return svc.spec.ports?.[0];
  return svc.spec.ports?.find((p) => (want.number !== undefined ? p.port === want.number : p.name === want.name));
}

/** NGINX's own 502 or 504: every upstream it tried refused, reset, failed TLS, was dropped or too slow. */
function upstreamFailed(t: Tracing, a: AccessLine, upstreams: string[], svc: Service, options: ReturnType<typeof parseAnnotations>['options']): TraceReport {
  const { e, r, cluster } = t;
  const pods = upstreams.map((u) => podByIP(cluster, u.split(':')[0]!)).filter((p): p is Pod => p !== undefined);
  const last = pods.at(-1);
  r.layer('Pod', last ? `${podLabel(last)}${pods.length > 1 ? ` and ${plural(pods.length - 1, 'other')}` : ''}` : upstreams.join(', '));
  const names = pods.map((p) => p.metadata.name).join(', ') || upstreams.join(', ');
  const dropped = dropsOf(e.drops, undefined, pods.map(key));
  if (dropped.length > 0) return r.failed('NetworkPolicy', `NGINX's connection to ${names} was dropped: ${dropsText(dropped)}: NGINX answered ${a.status}`);
  if (a.status === 504) {
    // a connect that never completes ends at the connect timeout, an answer that never comes at the read timeout
    const connect = a.request_time < options.proxyReadTimeoutS - 0.5;
    const which = connect ? `proxy-connect-timeout (${options.proxyConnectTimeoutS} s): the connection was not accepted` : `proxy-read-timeout (${options.proxyReadTimeoutS} s)`;
    return r.failed('the pod', `${names} did not answer within NGINX's ${which}: NGINX answered 504`);
  }
  const port = upstreams[0]?.split(':')[1];
  if (options.backendProtocol === 'HTTPS') {
    return r.failed('the pod', `${names} failed NGINX's connection on port ${port}: the Ingress's backend-protocol is HTTPS, so NGINX speaks TLS to the pod, and a pod serving plain HTTP fails the handshake (NGINX's error.log: SSL_do_handshake() failed): NGINX answered 502`);
  }
  const declared = last ? ` (${declaredPorts(last)})` : '';
  return r.failed('the pod', `${names} refused or reset the connection on port ${port}, the targetPort of ${key(svc)}${declared}: NGINX answered 502`);
}

/** NGINX's default server answered: no rule for the host, no rule for the path, or HTTPS to a host without TLS. */
function defaultServer(t: Tracing, nginx: string): TraceReport {
  const { e, r, cluster, host } = t;
  r.layer('Ingress', `${nginx} answered ${e.curl.status} from its default server`);
  const rules = rulesForHost(t);
  if (rules.length === 0) {
    const hosts = [...new Set(cluster.ingresses.filter((i) => servedByUs(i, cluster.ingressClasses)).flatMap((i) => (i.spec.rules ?? []).map((rule) => rule.host ?? '*')))];
    const defaults = cluster.ingresses.filter((i) => i.spec.defaultBackend && servedByUs(i, cluster.ingressClasses));
    if (defaults.length > 0) return r.failed('the ingress', `no Ingress has a rule for host ${host}, and the defaultBackend of Ingress ${key(defaults[0]!)} did not answer it`);
    return r.failed('the ingress', `no Ingress has a rule for host ${host}${hosts.length > 0 ? ` (hosts with rules: ${hosts.join(', ')})` : ' (the cluster has no Ingress podnet\'s controller serves)'}`);
  }
  const tls = cluster.ingresses.some((i) => (i.spec.tls ?? []).some((x) => x.hosts?.includes(host)));
  if (e.url.protocol === 'https:' && !tls && rules.some((x) => x.host === host)) {
    return r.failed('the ingress', `host ${host} has no TLS section in any Ingress: podnet's NGINX serves it on HTTP only, so HTTPS meets the default server (ingress-nginx would serve it with its default certificate)`);
  }
  const listed = rules.map((x) => `${x.host || '*'} ${x.path} (${x.pathType}) → ${backendText(x.ing.metadata.namespace, x.backend)} (Ingress ${key(x.ing)})`);
  return r.failed('the ingress', `no rule of host ${host} matches path ${e.url.pathname}: ${listed.join('; ')}`);
}
