// What process a container is: its argv and environment, computed from the
// Pod the way the kubelet does (command/args; env from service links, envFrom,
// fieldRef, resourceFieldRef, ConfigMap and Secret keys). Pure, so the rules
// are tested without starting anything.

import { fileURLToPath } from 'node:url';
import { ceilDiv, quantityMilliValue, resourceScale } from '../api/quantity.js';
import type {
  ConfigMap, Container, EnvFromSource, EnvVar, HostAlias, Pod, ResourceFieldSelector, ResourceRequirements, Secret, Service,
} from '../api/types.js';
import { isEnvVarName } from '../api/validation/names.js';
import { splitSubscript } from '../api/field-path.js';
import { podContainer } from '../api/pod-helpers.js';
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
  /**
   * The real image's ENTRYPOINT path. A `command` that names it runs the
   * built-in program, with the rest of `command` before `args` as its
   * arguments, as it would run the image's own binary; this machine has no
   * such file. podnet's own images are published nowhere, so no manifest
   * names a path in them, and they have none.
   */
  entrypoint?: string;
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
  { match: (i) => /^registry\.k8s\.io\/e2e-test-images\/agnhost(:[\w.-]+)?$/.test(i), program: 'agnhost.js', entrypoint: '/agnhost' },
  { match: (i) => /^(docker\.io\/)?podnet\/cluster-dns(:[\w.-]+)?$/.test(i), program: 'cluster-dns.js', nodeFlags: WATCHER_V8_FLAGS },
  { match: (i) => /^(docker\.io\/)?podnet\/ingress-controller(:[\w.-]+)?$/.test(i), program: 'ingress-controller.js', nodeFlags: WATCHER_V8_FLAGS },
  { match: (i) => /^(registry\.k8s\.io|k8s\.gcr\.io)\/pause(:[\w.-]+)?$/.test(i), argv: PAUSE_ARGV, holdArgv: pauseHoldArgv, entrypoint: '/pause' },
];

export type ResolvedCommand = { argv: string[] } | { error: { reason: 'ErrImagePull' | 'CreateContainerConfigError'; message: string } };

/**
 * Kubernetes semantics: `command` replaces the image's entrypoint, `args` its
 * default arguments; a built-in image's entrypoint is its node program (pause: its fixed command,
 * without a sleep process when `holdFifo` is given). A `command` naming the
 * image's entrypoint path (`/agnhost serve-hostname`, as the docs' tutorials
 * and e2e manifests write it) runs that program too.
 */
export function resolveCommand(c: Container, nodeBinary: string, holdFifo?: string): ResolvedCommand {
  const args = c.args ?? [];
  const image = c.image ?? '';
  const builtin = BUILTIN_IMAGES.find((b) => b.match(image));
  if (c.command && c.command.length > 0) {
    if (!builtin?.entrypoint || c.command[0] !== builtin.entrypoint) return { argv: [...c.command, ...args] };
    return { argv: builtinArgv(builtin, [...c.command.slice(1), ...args], nodeBinary, holdFifo) };
  }
  if (!builtin) {
    return { error: { reason: 'ErrImagePull', message: `Failed to pull image "${image}": podnet runs host programs and has no image registry; "${image}" is not a built-in image (podnet/echo, registry.k8s.io/e2e-test-images/agnhost, registry.k8s.io/pause) and the container sets no command` } };
  }
  return { argv: builtinArgv(builtin, args, nodeBinary, holdFifo) };
}

/** A built-in image's process: its node program with `args`, or its fixed command (pause ignores arguments). */
function builtinArgv(builtin: BuiltinImage, args: string[], nodeBinary: string, holdFifo?: string): string[] {
  if (builtin.argv) return builtin.holdArgv && holdFifo ? builtin.holdArgv(holdFifo) : [...builtin.argv];
  return [nodeBinary, ...(builtin.nodeFlags ?? []), `${IMAGES_DIR}${builtin.program}`, ...args];
}

export interface PodFacts { podIP?: string; hostIP?: string; nodeName?: string }

function fieldValue(pod: Pod, path: string, facts: PodFacts): string | undefined {
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return pod.spec.nodeName ?? facts.nodeName;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    // single-stack: the lists (comma-joined, as the kubelet writes them) hold the one address
    case 'status.podIP': case 'status.podIPs': return facts.podIP;
    case 'status.hostIP': case 'status.hostIPs': return facts.hostIP;
    default: {
      const [field, key] = splitSubscript(path) ?? [];
      if (field === 'metadata.labels') return pod.metadata.labels?.[key!];
      if (field === 'metadata.annotations') return pod.metadata.annotations?.[key!];
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

/** What a container's environment reads besides the Pod: the node agent's caches and its Node. */
export interface EnvSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** the node's status.allocatable (cpu, memory, ephemeral-storage): the limit of a container that sets none */
  nodeAllocatable: Record<string, string>;
}

/** The environment, or why the container cannot start (the kubelet's CreateContainerConfigError). */
export type EnvResult = { env: Record<string, string> } | { error: { reason: 'CreateContainerConfigError'; message: string } };

/** A Warning event for the pod that does not stop the container, e.g. InvalidEnvironmentVariableNames. */
export interface EnvWarning { reason: string; message: string }

type Failure = { error: string };
const failed = (error: string): Failure => ({ error });
const isFailure = (v: unknown): v is Failure => typeof v === 'object' && v !== null && 'error' in v;

/** `$$` is a literal `$`; `$(NAME)` is NAME's value when defined, else left as written (the kubelet's expansion rules). */
export function expandEnvReferences(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/\$(?:\$|\(([^)]*)\))/g, (whole, name: string | undefined) => (name === undefined ? '$' : lookup(name) ?? whole));
}

/**
 * `$(NAME)` in command and args, against the container's environment (the
 * kubelet's ExpandContainerCommandAndArgs): `$$` is a literal `$`, an
 * unknown name stays as written.
 */
export function expandCommandAndArgs(c: Container, env: Readonly<Record<string, string>>): Container {
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const expand = (list: string[] | undefined) => list?.map((v) => expandEnvReferences(v, lookup));
  return { ...c, ...(c.command ? { command: expand(c.command) } : {}), ...(c.args ? { args: expand(c.args) } : {}) };
}

/**
 * The container's environment in the kubelet's order, each later source
 * overriding the earlier: service links, podnet's POD_NAME and friends, every
 * key of each envFrom source in turn, then `env` one entry at a time (a
 * `value` expands `$(NAME)` against what is defined before it). A missing
 * ConfigMap, Secret or key that is not optional stops the container; an
 * optional one leaves the variable unset.
 */
export function containerEnv(pod: Pod, c: Container, facts: PodFacts, services: Service[], sources: EnvSources): EnvResult & { warnings?: EnvWarning[] } {
  // A Map, not an object: a variable may be called __proto__ or constructor.
  const env = new Map<string, string>([['PATH', BASE_PATH], ['HOSTNAME', pod.spec.hostname ?? pod.metadata.name!]]);
  // Service links of the pod's namespace, plus `kubernetes` from default, as upstream.
  const visible = services.filter((s) => s.metadata.namespace === pod.metadata.namespace && pod.spec.enableServiceLinks !== false);
  const master = services.find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes');
  for (const [k, v] of Object.entries(serviceEnv(master ? [...visible.filter((s) => s !== master), master] : visible))) env.set(k, v);
  // Facts podnet's built-in images read to describe themselves.
  env.set('POD_NAME', pod.metadata.name!);
  env.set('POD_NAMESPACE', pod.metadata.namespace!);
  if (facts.nodeName) env.set('NODE_NAME', facts.nodeName);
  if (facts.podIP) env.set('POD_IP', facts.podIP);

  const warnings: EnvWarning[] = [];
  const done = (result: EnvResult): EnvResult & { warnings?: EnvWarning[] } => (warnings.length > 0 ? { ...result, warnings } : result);
  const stop = (f: Failure) => done({ error: { reason: 'CreateContainerConfigError', message: f.error } });
  const ns = pod.metadata.namespace!;

  for (const from of c.envFrom ?? []) {
    const keys = envFromKeys(ns, from, sources);
    if (isFailure(keys)) return stop(keys);
    if (!keys) continue;
    const invalid: string[] = [];
    for (const [key, value] of Object.entries(keys.data)) {
      const name = `${from.prefix ?? ''}${key}`;
      if (isEnvVarName(name).length > 0) invalid.push(name);
      else env.set(name, value);
    }
    if (invalid.length > 0) {
      warnings.push({ reason: 'InvalidEnvironmentVariableNames', message: `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${keys.kind} ${ns}/${keys.name} were skipped since they are considered invalid environment variable names.` });
    }
  }

  for (const e of c.env ?? []) {
    const value = envVarValue(pod, c, e, facts, sources, (name) => env.get(name));
    if (isFailure(value)) return stop(value);
    if (value !== undefined) env.set(e.name, value);
  }
  return done({ env: Object.fromEntries(env) });
}

type SourceKind = 'configMap' | 'secret';
/** how the kubelet's messages name each kind: its cache's resource name, and the Kind */
const SOURCE_NAMES: Record<SourceKind, { resource: string; kind: string }> = {
  configMap: { resource: 'configmap', kind: 'ConfigMap' },
  secret: { resource: 'secret', kind: 'Secret' },
};

/**
 * A referenced ConfigMap's `data` (binaryData never becomes a variable) or a
 * Secret's data decoded; undefined when it is missing and optional.
 */
function referencedData(ns: string, kind: SourceKind, ref: { name: string; optional?: boolean }, sources: EnvSources): Record<string, string> | Failure | undefined {
  if (kind === 'configMap') {
    const cm = sources.configMap(ns, ref.name);
    if (cm) return cm.data ?? {};
  } else {
    const secret = sources.secret(ns, ref.name);
    if (secret) return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, decodeSecretValue(v)]));
  }
  // the text of a miss in the kubelet's watch-based cache
  return ref.optional ? undefined : failed(`${SOURCE_NAMES[kind].resource} "${ref.name}" not found`);
}

/** One envFrom source's keys and values; undefined when it is optional and missing. */
function envFromKeys(ns: string, from: EnvFromSource, sources: EnvSources): { kind: SourceKind; name: string; data: Record<string, string> } | Failure | undefined {
  const kind: SourceKind | undefined = from.configMapRef ? 'configMap' : from.secretRef ? 'secret' : undefined;
  const ref = from.configMapRef ?? from.secretRef;
  if (!kind || !ref) return undefined;
  const data = referencedData(ns, kind, ref, sources);
  return data && !isFailure(data) ? { kind, name: ref.name, data } : data;
}

/** Secret data is base64 on the wire; a process's environment holds the decoded text. */
function decodeSecretValue(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}

/**
 * One `env` entry's value; undefined when it reads an optional ConfigMap or
 * Secret (or key) that is missing, so the variable is not set at all.
 */
function envVarValue(pod: Pod, c: Container, e: EnvVar, facts: PodFacts, sources: EnvSources, lookup: (name: string) => string | undefined): string | undefined | Failure {
  const from = e.valueFrom;
  // a non-empty value wins; an empty one falls through to valueFrom, as in the kubelet
  if (e.value || !from) return expandEnvReferences(e.value ?? '', lookup);
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, facts) ?? '';
  if (from.resourceFieldRef) {
    const owner = from.resourceFieldRef.containerName ? podContainer(pod, from.resourceFieldRef.containerName) : c;
    if (!owner) return failed(`container ${from.resourceFieldRef.containerName} not found`);
    return resourceValue(owner, from.resourceFieldRef, sources.nodeAllocatable);
  }
  const kind: SourceKind | undefined = from.configMapKeyRef ? 'configMap' : from.secretKeyRef ? 'secret' : undefined;
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (!kind || !ref) return '';
  const ns = pod.metadata.namespace!;
  const data = referencedData(ns, kind, ref, sources);
  if (!data || isFailure(data)) return data;
  // an own key only, never an Object.prototype member
  if (Object.hasOwn(data, ref.key)) return data[ref.key];
  return ref.optional ? undefined : failed(`couldn't find key ${ref.key} in ${SOURCE_NAMES[kind].kind} ${ns}/${ref.name}`);
}

/** the resources a missing or zero limit takes from the node (hugepages always have a limit: they are never overcommitted) */
const NODE_DEFAULTED_LIMITS = ['cpu', 'memory', 'ephemeral-storage'] as const;

/**
 * The container's limits and requests as the kubelet reads them for the
 * downward API: a request the container leaves out is its limit (the API
 * server's defaulting, so the container's own limit, never the node's), then
 * a limit it leaves out or sets to 0 is the node's allocatable.
 */
function effectiveResources(c: Container, nodeAllocatable: Record<string, string>): Required<ResourceRequirements> {
  const limits = { ...c.resources?.limits };
  const requests = { ...c.resources?.requests };
  for (const [name, limit] of Object.entries(limits)) if (!Object.hasOwn(requests, name)) requests[name] = limit;
  for (const name of NODE_DEFAULTED_LIMITS) {
    const limit = Object.hasOwn(limits, name) ? limits[name] : undefined;
    if ((limit === undefined || quantityMilliValue(limit) === 0n) && Object.hasOwn(nodeAllocatable, name)) limits[name] = nodeAllocatable[name]!;
  }
  return { limits, requests };
}

/**
 * A resourceFieldRef's value: the container's `limits.X` or `requests.X` (cpu,
 * memory, ephemeral-storage, hugepages-SIZE) in whole `divisor`s, rounded up.
 * cpu counts in thousandths of a core (a 500m limit is "1" core, "500" with
 * divisor 1m); the others in bytes. A divisor left out or 0 is 1.
 */
function resourceValue(c: Container, ref: ResourceFieldSelector, nodeAllocatable: Record<string, string>): string | Failure {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-.+)$/.exec(ref.resource);
  if (!m) return failed(`unsupported container resource : ${ref.resource}`);
  const kind = m[1] as 'limits' | 'requests';
  const name = m[2]!;
  const list = effectiveResources(c, nodeAllocatable)[kind];
  const quantity = Object.hasOwn(list, name) ? list[name]! : 0;
  const scaled = resourceScale(name);
  const value = scaled(quantity);
  if (value === undefined) return failed(`${kind}.${name} of container ${c.name}: "${quantity}" is not a quantity`);
  const divisor = scaled(ref.divisor === undefined || ref.divisor === '' ? 1 : ref.divisor);
  if (divisor === undefined) return failed(`divisor "${ref.divisor}" of ${ref.resource} is not a quantity`);
  // a divisor of 0 means the default, 1 (only an exact 0 scales to 0: a positive amount rounds up)
  return String(ceilDiv(value, divisor === 0n ? scaled(1)! : divisor));
}

/**
 * The value of `ref` for the pod's container (or init container) `containerName`,
 * as a downwardAPI volume file shows it, by the environment's rules; undefined
 * when no such container or the selector is not one validation admits.
 */
export function containerResourceValue(pod: Pod, containerName: string, ref: ResourceFieldSelector, nodeAllocatable: Record<string, string>): string | undefined {
  const c = podContainer(pod, containerName);
  const value = c && resourceValue(c, ref, nodeAllocatable);
  return isFailure(value) ? undefined : value;
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
