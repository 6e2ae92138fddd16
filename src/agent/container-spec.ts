// What process a container is: its argv and environment, computed from the
// Pod the way the kubelet does (command/args, env with fieldRef, service
// links). Pure, so the rules are tested without starting anything.

import { fileURLToPath } from 'node:url';
import type { Container, HostAlias, Pod, Service } from '../api/types.js';
import { WATCHER_V8_FLAGS } from '../v8-flags.js';

const IMAGES_DIR = fileURLToPath(new URL('../images/', import.meta.url));

/** A built-in image runs either a podnet program with node or, for pause, a fixed host command. */
export interface BuiltinImage {
  match: (image: string) => boolean;
  program?: string;
  /** node's own flags before the program */
  nodeFlags?: readonly string[];
  argv?: readonly string[];
  /** the argv when the node has a hold FIFO to wait on instead (pause: no sleep process) */
  holdArgv?: (holdFifo: string) => string[];
}

/** pause.c's signal handling: TERM or INT ends the pause with status 0 */
const PAUSE_TRAP = 'trap "exit 0" TERM INT;';

/**
 * Waits forever on the FIFO open read-write as fd 3: it always has a writer
 * (fd 3 itself), so read never sees EOF, and nothing writes to it. Only a
 * signal ends it. Shared by the pause image and the sandbox's pause (sandbox.ts).
 */
export const HOLD_FIFO_WAIT = 'while :; do read -r _ <&3; done';

/**
 * registry.k8s.io/pause: what the upstream pause binary does (build/pause/linux/pause.c):
 * sleep until SIGTERM or SIGINT, then exit 0. A shell and a sleep, not a Node process,
 * so a Deployment of pause pods (clusterloader2's pod-startup measurement) costs no
 * runtime start-up. The signal reaches the whole process group (the agent signals -pid),
 * so the sleep goes too and `wait` returns to the trap.
 */
export const PAUSE_ARGV = ['sh', '-c', `${PAUSE_TRAP} sleep infinity & wait`, 'pause'] as const;

/**
 * The same without the sleep process, when the node has a hold FIFO (the one
 * the sandbox pauses wait on, sandbox.ts): the shell reads from it, opened
 * read-write so read never sees EOF, and nothing writes to it. A signal
 * interrupts read(2) and the trap exits 0, as pause.c does.
 */
export function pauseHoldArgv(holdFifo: string): string[] {
  return ['sh', '-c', `${PAUSE_TRAP} exec 3<>"$1"; ${HOLD_FIFO_WAIT}`, 'pause', holdFifo];
}

/** Built-in images run a podnet program with node (pause: a shell); anything else must set `command`. */
export const BUILTIN_IMAGES: BuiltinImage[] = [
  { match: (i) => /^(docker\.io\/)?podnet\/echo(:[\w.-]+)?$/.test(i), program: 'echo.js' },
  { match: (i) => /^registry\.k8s\.io\/e2e-test-images\/agnhost(:[\w.-]+)?$/.test(i), program: 'agnhost.js' },
  { match: (i) => /^(docker\.io\/)?podnet\/cluster-dns(:[\w.-]+)?$/.test(i), program: 'cluster-dns.js', nodeFlags: WATCHER_V8_FLAGS },
  { match: (i) => /^(docker\.io\/)?podnet\/ingress-controller(:[\w.-]+)?$/.test(i), program: 'ingress-controller.js', nodeFlags: WATCHER_V8_FLAGS },
  { match: (i) => /^(registry\.k8s\.io|k8s\.gcr\.io)\/pause(:[\w.-]+)?$/.test(i), argv: PAUSE_ARGV, holdArgv: pauseHoldArgv },
];

export type ResolvedCommand = { argv: string[] } | { error: { reason: 'ErrImagePull' | 'CreateContainerConfigError'; message: string } };

/**
 * Kubernetes semantics: `command` replaces the image's entrypoint, `args` its
 * default arguments; a built-in image's entrypoint is its node program (pause: its fixed command,
 * without a sleep process when `holdFifo` is given).
 */
export function resolveCommand(c: Container, nodeBinary: string, holdFifo?: string): ResolvedCommand {
  const args = c.args ?? [];
  if (c.command && c.command.length > 0) return { argv: [...c.command, ...args] };
  const image = c.image ?? '';
  const builtin = BUILTIN_IMAGES.find((b) => b.match(image));
  if (!builtin) {
    return { error: { reason: 'ErrImagePull', message: `Failed to pull image "${image}": podnet runs host programs and has no image registry; "${image}" is not a built-in image (podnet/echo, registry.k8s.io/e2e-test-images/agnhost, registry.k8s.io/pause) and the container sets no command` } };
  }
  if (builtin.argv) return { argv: builtin.holdArgv && holdFifo ? builtin.holdArgv(holdFifo) : [...builtin.argv] };
  return { argv: [nodeBinary, ...(builtin.nodeFlags ?? []), `${IMAGES_DIR}${builtin.program}`, ...args] };
}

export interface PodFacts { podIP?: string; hostIP?: string; nodeName?: string }

function fieldValue(pod: Pod, path: string, facts: PodFacts): string | undefined {
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return pod.spec.nodeName ?? facts.nodeName;
    case 'spec.serviceAccountName': return 'default';
    case 'status.podIP': return facts.podIP;
    case 'status.hostIP': return facts.hostIP;
    default: {
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!];
      return undefined;
    }
  }
}

/** `<NAME>_SERVICE_HOST` and docker-link style variables, as the kubelet writes them. */
export function serviceEnv(services: Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of [...services].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
    const ip = svc.spec.clusterIP;
    if (!ip || ip === 'None' || svc.spec.type === 'ExternalName') continue;
    const prefix = svc.metadata.name!.toUpperCase().replace(/-/g, '_');
    const ports = svc.spec.ports ?? [];
    if (ports.length === 0) continue;
    const first = ports[0]!;
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env[`${prefix}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of ports) {
      const pp = (p.protocol ?? 'TCP');
      const base = `${prefix}_PORT_${p.port}_${pp}`;
      env[base] = `${pp.toLowerCase()}://${ip}:${p.port}`;
      env[`${base}_PROTO`] = pp.toLowerCase();
      env[`${base}_PORT`] = String(p.port);
      env[`${base}_ADDR`] = ip;
    }
  }
  return env;
}

/** the PATH a container process gets when it names none (the kubelet's default for containers) */
export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function containerEnv(pod: Pod, c: Container, facts: PodFacts, services: Service[]): Record<string, string> {
  const env: Record<string, string> = { PATH: BASE_PATH, HOSTNAME: pod.spec.hostname ?? pod.metadata.name! };
  // Service links of the pod's namespace, plus `kubernetes` from default, as upstream.
  const visible = services.filter((s) => s.metadata.namespace === pod.metadata.namespace && pod.spec.enableServiceLinks !== false);
  const master = services.find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes');
  Object.assign(env, serviceEnv(master ? [...visible.filter((s) => s !== master), master] : visible));
  // Facts podnet's built-in images read to describe themselves.
  env.POD_NAME = pod.metadata.name!;
  env.POD_NAMESPACE = pod.metadata.namespace!;
  if (facts.nodeName) env.NODE_NAME = facts.nodeName;
  if (facts.podIP) env.POD_IP = facts.podIP;
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
    else if (e.valueFrom?.fieldRef) env[e.name] = fieldValue(pod, e.valueFrom.fieldRef.fieldPath, facts) ?? '';
    else env[e.name] = '';
  }
  return env;
}

/**
 * The resolver's limits the kubelet fits a pod's DNS settings into
 * (pkg/apis/core/validation: MaxDNSNameservers, and the ExpandedDNSConfig
 * limits, GA since 1.28; pkg/kubelet/network/dns: formDNSConfigFitsLimits).
 */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** a longer search domain makes some resolvers abort (glibc 2.28): the kubelet leaves it out */
const MAX_DNS_SEARCH_PATH_CHARS = 253;

/** What /etc/resolv.conf says, and what the limits left out (the kubelet's DNSConfigForming warnings). */
export interface PodDns { nameservers: string[]; searches: string[]; options: string[]; warnings: string[] }

/** First occurrence of each, in order (the kubelet's omitDuplicates). */
function omitDuplicates(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * The pod's resolver settings as the kubelet's GetPodDNS forms them: the
 * policy's base (cluster DNS, the node's resolv.conf, or nothing), then
 * dnsConfig appended with duplicates dropped (first occurrence kept) and
 * options merged by name, then cut to the resolver's limits.
 */
export function podDns(pod: Pod, clusterDnsIP: string, clusterDomain: string, nodeResolv: string): PodDns {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const useCluster = policy === 'ClusterFirst' && !pod.spec.hostNetwork || policy === 'ClusterFirstWithHostNet';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (useCluster) {
    const ns = pod.metadata.namespace!;
    nameservers = [clusterDnsIP];
    searches = [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
    options = ['ndots:5'];
  } else if (policy !== 'None') {
    for (const line of nodeResolv.split('\n')) {
      const [key, ...vals] = line.trim().split(/\s+/);
      if (key === 'nameserver' && vals[0]) nameservers.push(vals[0]);
      if (key === 'search') searches = vals;
      if (key === 'options') options = vals;
    }
  }
  const cfg = pod.spec.dnsConfig;
  if (cfg) {
    nameservers = omitDuplicates([...nameservers, ...(cfg.nameservers ?? [])]);
    searches = omitDuplicates([...searches, ...(cfg.searches ?? [])]);
    for (const o of cfg.options ?? []) {
      options = options.filter((x) => x.split(':')[0] !== o.name);
      options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
  }
  const warnings: string[] = [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    nameservers = nameservers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(' ')}`);
  }
  const fitted = fitSearchLimits(searches);
  if (fitted.length !== searches.length) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${fitted.join(' ')}`);
  return { nameservers, searches: fitted, options, warnings };
}

/** The first 32 domains, without any too long for a resolver, then cut from the end until the line fits 2048 characters. */
function fitSearchLimits(searches: readonly string[]): string[] {
  const fitted = searches.slice(0, MAX_DNS_SEARCH_PATHS).filter((s) => s.length <= MAX_DNS_SEARCH_PATH_CHARS);
  while (fitted.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) fitted.pop();
  return fitted;
}

export function renderResolvConf(dns: PodDns): string {
  const lines = [];
  if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
  for (const n of dns.nameservers) lines.push(`nameserver ${n}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export function resolvConf(pod: Pod, clusterDnsIP: string, clusterDomain: string, nodeResolv: string): string {
  return renderResolvConf(podDns(pod, clusterDnsIP, clusterDomain, nodeResolv));
}

/**
 * The pod's /etc/hosts as the kubelet's managedHostsFileContent writes it:
 * localhost, the pod's own name (its FQDN first under a subdomain), then,
 * after a blank line and a comment, one line per spec.hostAliases entry: its
 * IP and all its hostnames, tab-separated, in the order given.
 */
export function hostsFile(pod: Pod, podIP: string | undefined, clusterDomain: string): string {
  const hostname = pod.spec.hostname ?? pod.metadata.name!;
  const fqdn = pod.spec.subdomain ? `${hostname}.${pod.spec.subdomain}.${pod.metadata.namespace}.svc.${clusterDomain}` : '';
  const lines = ['# Kubernetes-managed hosts file (podnet).', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (podIP) lines.push(`${podIP}\t${fqdn ? `${fqdn}\t` : ''}${hostname}`);
  return withHostAliases(lines, pod.spec.hostAliases);
}

function withHostAliases(lines: string[], aliases: readonly HostAlias[] = []): string {
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push([a.ip, ...(a.hostnames ?? [])].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A node's own /etc/hosts (what `podnet exec node/NAME` sees): loopback and
 * the node's name on its IP, as a kind node's. A hostNetwork pod gets it
 * with its hostAliases appended, as the kubelet's nodeHostsFileContent does.
 */
export function nodeHostsFile(nodeName: string, nodeIP: string, aliases?: readonly HostAlias[]): string {
  return withHostAliases(['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${nodeIP}\t${nodeName}`], aliases);
}
