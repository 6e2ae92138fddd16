// The DNS layer of a trace (pure): the name's answer, where it came from
// (the external DNS, the cluster DNS, a pod's /etc/hosts, or the resolver a
// dnsPolicy gives), and, when it did not resolve, why, in terms of the
// objects that would publish the name.

import type { Pod } from '../api/types.js';
import { CLUSTER_DNS_SERVICE } from '../config.js';
import { externalRecords, HOSTNAME_ANNOTATION } from '../controllers/external-dns.js';
import { servedByUs } from '../ingress/ingress-class.js';
import { key } from './lookup.js';
import { dropsOf, dropsText, type TraceReport } from './report.js';
import type { Tracing } from './tracing.js';

const CLUSTER_DNS = 'cluster DNS';

/** The source pod's object, for its DNS settings. */
function sourcePod(t: Tracing): Pod | undefined {
  const p = t.e.source.pod;
  return p ? t.cluster.pods.find((x) => x.metadata.namespace === p.namespace && x.metadata.name === p.name) : undefined;
}

/** How the source resolves names: the external DNS (outside), the cluster DNS, or (dnsPolicy) another resolver. */
function resolver(t: Tracing, server: string): string {
  if (t.e.source.kind === 'outside') return 'the external DNS';
  const clusterDNS = t.cluster.services.find((s) => s.metadata.namespace === CLUSTER_DNS_SERVICE.namespace && s.metadata.name === CLUSTER_DNS_SERVICE.name)?.spec.clusterIP;
  if (!server || !clusterDNS || server === clusterDNS) return CLUSTER_DNS;
  const pod = sourcePod(t);
  return `not the cluster DNS but ${pod?.spec.dnsPolicy === 'None' ? 'the nameserver of its dnsConfig' : 'the node\'s resolver'} (dnsPolicy ${pod?.spec.dnsPolicy ?? 'ClusterFirst'}${pod?.spec.hostNetwork ? ', hostNetwork' : ''})`;
}

/** 1. DNS; a report when the name did not resolve */
export function dnsLayer(t: Tracing): TraceReport | undefined {
  const { e, r, host } = t;
  const d = e.dns!;
  if (d.server === '/etc/hosts') {
    r.layer('DNS', `${host} → ${d.addresses.join(', ')} (${e.source.kind === 'pod' ? 'the pod\'s /etc/hosts: its hostAliases or a local name' : 'the outside client\'s /etc/hosts'}; no DNS query)`);
    return undefined;
  }
  const by = resolver(t, d.server);
  const where = d.server ? `${by} ${d.server}` : by;
  const chain = d.cnames.length > 0 ? ` CNAME ${d.cnames.join(' → ')} →` : '';
  if (d.addresses.length === 0) {
    r.layer('DNS', d.rcode === 'timeout' ? `${host}: no answer from ${where}` : `${host}:${chain} ${d.rcode} from ${where}`);
    const dropped = d.rcode === 'timeout' ? dropsOf(e.dnsDrops, e.source, []) : [];
    if (dropped.length > 0) return r.failed('NetworkPolicy', `the DNS query was dropped: ${dropsText(dropped)}; an egress policy must allow UDP and TCP port 53 to the cluster DNS (kube-system/kube-dns) for names to resolve`);
    return r.failed('DNS', dnsFailure(t));
  }
  const via = d.qname !== host ? ` (as ${d.qname}${e.source.kind === 'pod' ? ', through the pod\'s search path' : ''})` : '';
  r.layer('DNS', `${host}${via} →${chain} A ${d.addresses.join(', ')} (${where}${d.ms !== undefined ? `, ${d.ms} ms` : ''})`);
  if (e.source.kind === 'outside') {
    const owner = publisherOf(t);
    if (owner) r.note(`published by podnet's external-dns from ${owner}`);
  }
  return undefined;
}

function publisherOf(t: Tracing): string | undefined {
  const { cluster, host } = t;
  const ing = cluster.ingresses.find((i) => (i.spec.rules ?? []).some((rule) => rule.host === host) || (i.spec.tls ?? []).some((x) => x.hosts?.includes(host)));
  if (ing) return `Ingress ${key(ing)}`;
  const svc = cluster.services.find((s) => (s.metadata.annotations?.[HOSTNAME_ANNOTATION] ?? '').split(',').map((h) => h.trim()).includes(host));
  if (svc) return `Service ${key(svc)}`;
  const route = cluster.httpRoutes.find((x) => x.spec.hostnames?.includes(host) && x.status?.parents?.some((p) => p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True')));
  return route ? `HTTPRoute ${key(route)}` : undefined;
}

/** Why the name did not resolve, in terms of the objects that would publish it. */
function dnsFailure(t: Tracing): string {
  const { e, cluster, host } = t;
  const d = e.dns!;
  const pod = sourcePod(t);
  if (d.rcode === 'timeout') {
    if (e.source.kind === 'outside') return 'the external DNS did not answer';
    return resolver(t, d.server) === CLUSTER_DNS ? 'no DNS server answered: is the cluster DNS running? (podnet get pods -n kube-system)' : `${d.server} did not answer: the pod's resolver is ${resolver(t, d.server)}`;
  }
  if (d.cnames.length > 0) return `${d.qname} is a CNAME to ${d.cnames.at(-1)}, which does not resolve (${d.rcode})`;
  if (e.source.kind === 'outside') {
    const ing = cluster.ingresses.find((i) => (i.spec.rules ?? []).some((rule) => rule.host === host));
    if (ing && !servedByUs(ing, cluster.ingressClasses)) return `Ingress ${key(ing)} routes ${host}, but its class ${ing.spec.ingressClassName ?? '(annotation)'} is not served by podnet's controller (class nginx): it gets no address and nothing is published`;
    if (ing) return `Ingress ${key(ing)} routes ${host} but has no load-balancer address yet, so external-dns has not published it`;
    const published = Object.keys(externalRecords(cluster.ingresses, cluster.services, { gateways: cluster.gateways, routes: cluster.httpRoutes }));
    return `${d.rcode}: no Ingress rule, accepted HTTPRoute or annotated LoadBalancer Service names ${host}${published.length > 0 ? ` (published: ${published.slice(0, 8).join(', ')})` : ''}`;
  }
  if (resolver(t, d.server) !== CLUSTER_DNS) {
    const hint = pod?.spec.hostNetwork && (pod.spec.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst' ? ': a hostNetwork pod needs dnsPolicy ClusterFirstWithHostNet for cluster names' : '';
    return `${d.rcode}: the pod does not ask the cluster DNS (dnsPolicy ${pod?.spec.dnsPolicy ?? 'ClusterFirst'}${pod?.spec.hostNetwork ? ', hostNetwork' : ''}), so cluster names do not resolve there${hint}`;
  }
  return clusterNameFailure(t, d.rcode, pod);
}

/** A cluster name that did not resolve: SVC, SVC.NS, SVC.NS.svc…, or a headless Service's POD.SVC. */
function clusterNameFailure(t: Tracing, rcode: string, pod: Pod | undefined): string {
  const { e, cluster, host } = t;
  const labels = host.split('.');
  const own = e.source.pod!.namespace;
  // POD.SVC of a headless Service in the pod's namespace (a StatefulSet's pods)
  const headless = labels.length === 2 ? cluster.services.find((s) => s.metadata.namespace === own && s.metadata.name === labels[1] && s.spec.clusterIP === 'None') : undefined;
  if (headless) return `${rcode}: headless Service ${key(headless)} has no ready pod with hostname ${labels[0]} (a StatefulSet's pod is published by its name once Ready)`;
  const name = labels[0]!;
  const namespace = labels.length >= 2 && (labels.length === 2 || labels[2] === 'svc') ? labels[1]! : own;
  const same = cluster.services.filter((s) => s.metadata.name === name);
  if (labels.length <= 2 || labels[2] === 'svc') {
    if (same.some((s) => s.metadata.namespace === namespace)) {
      if (pod?.spec.dnsPolicy === 'None') return `${rcode}: Service ${namespace}/${name} exists, but the pod's own search path (dnsPolicy None: ${(pod.spec.dnsConfig?.searches ?? []).join(', ') || 'no searches'}) does not make ${host} its name: use ${name}.${namespace}.svc.cluster.local`;
      return `${rcode}: Service ${namespace}/${name} exists but has no record for this name`;
    }
    const elsewhere = same.map((s) => s.metadata.namespace);
    return `${rcode}: no Service ${name} in namespace ${namespace}${elsewhere.length > 0 ? `; there is one in ${elsewhere.join(', ')} (use ${name}.${elsewhere[0]})` : ''}`;
  }
  return `${rcode}: ${host} is not a cluster name, and the outside world's DNS does not know it`;
}
