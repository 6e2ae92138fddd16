// Pod and pod-template validation (k8s pkg/apis/core/validation ValidatePodSpec
// and friends), reduced to the fields podnet gives meaning to, with upstream's
// wording. The same spec check runs for Pods (`spec`) and for the templates of
// Deployments and StatefulSets (`spec.template.spec`). Volumes, volume mounts
// and the downward API selectors are checked in volumes.ts.

import { isIPv4 } from 'node:net';
import { field, type FieldError } from '../../errors.js';
import { validateLabels } from './label-rules.js';
import { validateIP } from './ip.js';
import { validateNodeAffinity, validateTolerations } from './scheduling.js';
import { validateObjectFieldSelector, validateResourceFieldSelector, validateVolumeMounts, validateVolumes } from './volumes.js';
import {
  IS_NEGATIVE, NOT_INTEGER, deepEqual, get, isObj, isSet, optBool, optInt, optList, optObj, optString,
  optStringList, optStringMap, type Obj,
} from './fields.js';
import {
  isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isHTTPHeaderName, isQualifiedName,
  isValidPortName, isValidPortNum, nameIsDNSSubdomain,
} from './names.js';

export const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP']; // sorted, as sets.List prints them
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;
// Downward API fields an env var may reference (validEnvDownwardAPIFieldPathExpressions), sorted.
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];

/** intstr port: a number 1..65535 or an IANA_SVC_NAME (ValidatePortNumOrName). */
export function validatePortNumOrName(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') return isValidPortNum(value).map((m) => field.invalid(path, value, m));
  if (typeof value === 'string') return isValidPortName(value).map((m) => field.invalid(path, value, m));
  return [field.invalid(path, value ?? null, 'must be an integer or a string')];
}

function nonNegative(o: Obj, key: string, path: string, errs: FieldError[]): void {
  const v = optInt(o, key, `${path}.${key}`, errs);
  if (v !== undefined && v < 0) errs.push(field.invalid(`${path}.${key}`, v, IS_NEGATIVE));
}

function validateContainerPorts(ports: unknown[] | undefined, path: string, errs: FieldError[]): void {
  const names = new Set<string>();
  (ports ?? []).forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (!isObj(p)) { errs.push(field.invalid(pp, p, 'must be an object')); return; }
    const name = optString(p, 'name', `${pp}.name`, errs);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(field.invalid(`${pp}.name`, name, m));
      else if (names.has(name)) errs.push(field.duplicate(`${pp}.name`, name));
      else names.add(name);
    }
    const cp = optInt(p, 'containerPort', `${pp}.containerPort`, errs);
    if (!cp) {
      if (!isSet(p.containerPort) || p.containerPort === 0) errs.push(field.required(`${pp}.containerPort`));
    } else {
      for (const m of isValidPortNum(cp)) errs.push(field.invalid(`${pp}.containerPort`, cp, m));
    }
    const hp = optInt(p, 'hostPort', `${pp}.hostPort`, errs);
    if (hp) for (const m of isValidPortNum(hp)) errs.push(field.invalid(`${pp}.hostPort`, hp, m));
    // upstream takes any IP; the node network here is IPv4, and the value goes into the node's rules
    const hostIP = optString(p, 'hostIP', `${pp}.hostIP`, errs);
    if (hostIP !== undefined && !isIPv4(hostIP)) errs.push(field.invalid(`${pp}.hostIP`, hostIP, 'must be a valid IPv4 address (the node network is IPv4)'));
    const proto = optString(p, 'protocol', `${pp}.protocol`, errs);
    if (!proto) errs.push(field.required(`${pp}.protocol`));
    else if (!SUPPORTED_PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${pp}.protocol`, proto, SUPPORTED_PROTOCOLS));
  });
}

function validateKeySelector(sel: Obj, path: string, errs: FieldError[]): void {
  const name = optString(sel, 'name', `${path}.name`, errs) ?? '';
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
  const key = optString(sel, 'key', `${path}.key`, errs);
  if (!key) errs.push(field.required(`${path}.key`));
  else for (const m of isConfigMapKey(key)) errs.push(field.invalid(`${path}.key`, key, m));
}

function validateEnv(env: unknown[] | undefined, path: string, errs: FieldError[]): void {
  (env ?? []).forEach((e, i) => {
    const ep = `${path}[${i}]`;
    if (!isObj(e)) { errs.push(field.invalid(ep, e, 'must be an object')); return; }
    const name = optString(e, 'name', `${ep}.name`, errs);
    if (!name) errs.push(field.required(`${ep}.name`));
    else for (const m of isEnvVarName(name)) errs.push(field.invalid(`${ep}.name`, name, m));
    const value = optString(e, 'value', `${ep}.value`, errs);
    const from = optObj(e, 'valueFrom', `${ep}.valueFrom`, errs);
    if (!from) return;
    const vp = `${ep}.valueFrom`;
    let sources = 0;
    const fieldRef = optObj(from, 'fieldRef', `${vp}.fieldRef`, errs);
    if (fieldRef) { sources++; validateObjectFieldSelector(fieldRef, ENV_FIELD_PATHS, `${vp}.fieldRef`, errs); }
    const resourceFieldRef = optObj(from, 'resourceFieldRef', `${vp}.resourceFieldRef`, errs);
    if (resourceFieldRef) { sources++; validateResourceFieldSelector(resourceFieldRef, `${vp}.resourceFieldRef`, false, errs); }
    const cm = optObj(from, 'configMapKeyRef', `${vp}.configMapKeyRef`, errs);
    if (cm) { sources++; validateKeySelector(cm, `${vp}.configMapKeyRef`, errs); }
    const sec = optObj(from, 'secretKeyRef', `${vp}.secretKeyRef`, errs);
    if (sec) { sources++; validateKeySelector(sec, `${vp}.secretKeyRef`, errs); }
    if (sources === 0) errs.push(field.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (value) errs.push(field.invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(field.invalid(vp, '', 'may not have more than one field specified at a time'));
  });
}

/**
 * ValidateEnvFrom: each entry imports one ConfigMap or Secret, named like
 * one (a generateName-style trailing '-' passes, as upstream's check allows),
 * and an optional prefix that follows the env var name rule.
 */
function validateEnvFrom(list: unknown[] | undefined, path: string, errs: FieldError[]): void {
  (list ?? []).forEach((e, i) => {
    const at = `${path}[${i}]`;
    if (!isObj(e)) { errs.push(field.invalid(at, e, 'must be an object')); return; }
    const prefix = optString(e, 'prefix', `${at}.prefix`, errs);
    if (prefix) for (const m of isEnvVarName(prefix)) errs.push(field.invalid(`${at}.prefix`, prefix, m));
    let sources = 0;
    for (const key of ['configMapRef', 'secretRef']) {
      const ref = optObj(e, key, `${at}.${key}`, errs);
      if (!ref) continue;
      sources++;
      const name = optString(ref, 'name', `${at}.${key}.name`, errs);
      if (!name) errs.push(field.required(`${at}.${key}.name`));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(field.invalid(`${at}.${key}.name`, name, m));
      optBool(ref, 'optional', `${at}.${key}.optional`, errs);
    }
    // upstream reports these two on the list, not on the entry
    if (sources === 0) errs.push(field.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(field.invalid(path, '', 'may not have more than one field specified at a time'));
  });
}

/** `gracePeriod`: the pod's terminationGracePeriodSeconds, which bounds a lifecycle hook's sleep action */
function validateHandler(probe: Obj, path: string, errs: FieldError[], gracePeriod?: number): void {
  let handlers = 0;
  const one = (key: string, check: (h: Obj, p: string) => void) => {
    const h = optObj(probe, key, `${path}.${key}`, errs);
    if (!h) return;
    if (handlers > 0) { errs.push(field.forbidden(`${path}.${key}`, 'may not specify more than 1 handler type')); return; }
    handlers++;
    check(h, `${path}.${key}`);
  };
  one('exec', (h, p) => {
    const cmd = optStringList(h, 'command', `${p}.command`, errs);
    if (!cmd || cmd.length === 0) errs.push(field.required(`${p}.command`));
  });
  one('httpGet', (h, p) => {
    const hp = optString(h, 'path', `${p}.path`, errs);
    if (!hp) errs.push(field.required(`${p}.path`));
    errs.push(...validatePortNumOrName(h.port, `${p}.port`));
    const scheme = optString(h, 'scheme', `${p}.scheme`, errs) ?? '';
    if (!HTTP_SCHEMES.includes(scheme)) errs.push(field.notSupported(`${p}.scheme`, scheme, HTTP_SCHEMES));
    for (const hdr of optList(h, 'httpHeaders', `${p}.httpHeaders`, errs) ?? []) {
      const n = get(hdr, 'name');
      const name = typeof n === 'string' ? n : '';
      for (const m of isHTTPHeaderName(name)) errs.push(field.invalid(`${p}.httpHeaders`, name, m));
    }
  });
  one('tcpSocket', (h, p) => errs.push(...validatePortNumOrName(h.port, `${p}.port`)));
  one('grpc', (h, p) => {
    const port = optInt(h, 'port', `${p}.port`, errs) ?? 0;
    for (const m of isValidPortNum(port)) errs.push(field.invalid(`${p}.port`, port, m));
  });
  one('sleep', (h, p) => {
    const seconds = optInt(h, 'seconds', `${p}.seconds`, errs) ?? 0;
    if (gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)) {
      errs.push(field.invalid(p, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
    }
  });
  if (handlers === 0) errs.push(field.required(path, 'must specify a handler type'));
}

/** ValidateLifecycle: each hook has exactly one handler (exec, httpGet, tcpSocket or sleep). */
function validateLifecycle(c: Obj, path: string, gracePeriod: number | undefined, errs: FieldError[]): void {
  const lifecycle = optObj(c, 'lifecycle', `${path}.lifecycle`, errs);
  if (!lifecycle) return;
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = optObj(lifecycle, hook, `${path}.lifecycle.${hook}`, errs);
    if (handler) validateHandler(handler, `${path}.lifecycle.${hook}`, errs, gracePeriod);
  }
}

function validateProbe(c: Obj, key: 'readinessProbe' | 'livenessProbe' | 'startupProbe', path: string, errs: FieldError[]): void {
  const p = `${path}.${key}`;
  const probe = optObj(c, key, p, errs);
  if (!probe) return;
  validateHandler(probe, p, errs);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) nonNegative(probe, k, p, errs);
  if (key !== 'readinessProbe') {
    const st = get(probe, 'successThreshold');
    if (typeof st === 'number' && st !== 1) errs.push(field.invalid(`${p}.successThreshold`, st, 'must be 1'));
  }
}

/** What a container's checks need from the rest of the pod. */
interface PodContext {
  /** names of the containers seen so far, init and regular (they share one namespace) */
  containerNames: Set<string>;
  /** the pod's volumes that passed validation: the ones a mount may name */
  volumes: ReadonlySet<string>;
  /** terminationGracePeriodSeconds, which bounds a lifecycle hook's sleep */
  gracePeriod?: number;
}

function validateContainer(c: unknown, path: string, init: boolean, pod: PodContext, errs: FieldError[]): void {
  if (!isObj(c)) { errs.push(field.invalid(path, c, 'must be an object')); return; }
  const name = optString(c, 'name', `${path}.name`, errs);
  if (!name) errs.push(field.required(`${path}.name`));
  else for (const m of isDNS1123Label(name)) errs.push(field.invalid(`${path}.name`, name, m));
  const image = optString(c, 'image', `${path}.image`, errs);
  const command = optStringList(c, 'command', `${path}.command`, errs);
  optStringList(c, 'args', `${path}.args`, errs);
  // podnet runs host programs: a container with a command needs no image.
  if (!image && !(command && command.length)) errs.push(field.required(`${path}.image`));
  if (image && image.trim() !== image) errs.push(field.invalid(`${path}.image`, image, 'must not have leading or trailing whitespace'));
  validateContainerPorts(optList(c, 'ports', `${path}.ports`, errs), `${path}.ports`, errs);
  validateEnv(optList(c, 'env', `${path}.env`, errs), `${path}.env`, errs);
  validateEnvFrom(optList(c, 'envFrom', `${path}.envFrom`, errs), `${path}.envFrom`, errs);
  validateVolumeMounts(c, pod.volumes, `${path}.volumeMounts`, errs);
  const pull = optString(c, 'imagePullPolicy', `${path}.imagePullPolicy`, errs);
  if (!pull) errs.push(field.required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pull)) errs.push(field.notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  if (name !== undefined) {
    if (pod.containerNames.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else pod.containerNames.add(name);
  }
  let sidecar = false;
  if (init) {
    const rp = optString(c, 'restartPolicy', `${path}.restartPolicy`, errs);
    if (rp !== undefined && rp !== 'Always') errs.push(field.notSupported(`${path}.restartPolicy`, rp, ['Always']));
    sidecar = rp === 'Always';
  }
  if (init && !sidecar) {
    if (isSet(c.lifecycle)) errs.push(field.forbidden(`${path}.lifecycle`, 'may not be set for init containers without restartPolicy=Always'));
  } else {
    validateLifecycle(c, path, pod.gracePeriod, errs);
  }
  for (const key of ['readinessProbe', 'startupProbe', 'livenessProbe'] as const) {
    if (init && !sidecar) {
      if (isSet(c[key])) errs.push(field.forbidden(`${path}.${key}`, 'may not be set for init containers without restartPolicy=Always'));
    } else {
      validateProbe(c, key, path, errs);
    }
  }
}

function validateDNSConfig(spec: Obj, dnsPolicy: string | undefined, path: string, errs: FieldError[]): void {
  const cfg = optObj(spec, 'dnsConfig', path, errs);
  if (dnsPolicy === 'None') {
    if (!cfg) { errs.push(field.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')); return; }
    const ns = get(cfg, 'nameservers');
    if (!Array.isArray(ns) || ns.length === 0) {
      errs.push(field.required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
      return;
    }
  }
  if (!cfg) return;
  const nameservers = optStringList(cfg, 'nameservers', `${path}.nameservers`, errs) ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    errs.push(field.invalid(`${path}.nameservers`, nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  }
  nameservers.forEach((ns, i) => errs.push(...validateIP(`${path}.nameservers[${i}]`, ns)));
  const searches = optStringList(cfg, 'searches', `${path}.searches`, errs) ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    errs.push(field.invalid(`${path}.searches`, searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  }
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(field.invalid(`${path}.searches`, searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s; // a trailing dot is fine
    for (const m of isDNS1123Subdomain(trimmed)) errs.push(field.invalid(`${path}.searches[${i}]`, trimmed, m));
  });
  (optList(cfg, 'options', `${path}.options`, errs) ?? []).forEach((o, i) => {
    const n = get(o, 'name');
    if (typeof n !== 'string' || n.length === 0) errs.push(field.required(`${path}.options[${i}]`, 'Option.Name must not be empty'));
  });
}

/**
 * ValidatePodSpec: `path` is `spec` for Pods, `spec.template.spec` for templates.
 * `claimVolumes` names the volumes a pod gets besides its own: a StatefulSet's
 * volumeClaimTemplates, which its controller adds to every pod. (Upstream
 * skips a StatefulSet's pod spec for that reason; checking the mounts against
 * both is what its TODO there asks for.)
 */
/** Upstream's AccumulateUniqueHostPorts: one protocol, hostIP and hostPort once across the pod's containers. */
function uniqueHostPorts(containers: readonly unknown[], path: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    if (!isObj(c) || !Array.isArray(c.ports)) return;
    c.ports.forEach((p: unknown, j: number) => {
      if (!isObj(p) || typeof p.hostPort !== 'number' || p.hostPort === 0) return;
      const key = `${typeof p.protocol === 'string' ? p.protocol : 'TCP'}/${typeof p.hostIP === 'string' ? p.hostIP : ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(field.duplicate(`${path}[${i}].ports[${j}].hostPort`, key));
      seen.add(key);
    });
  });
}

export function validatePodSpec(specValue: unknown, path: string, claimVolumes: readonly string[] = []): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(specValue)) return [isSet(specValue) ? field.invalid(path, specValue, 'must be an object') : field.required(`${path}.containers`)];
  const spec = specValue;
  // Volumes first, as upstream: the containers' mounts may name only the valid ones.
  const volumes = validateVolumes(optList(spec, 'volumes', `${path}.volumes`, errs), `${path}.volumes`, errs);
  for (const claim of claimVolumes) volumes.add(claim);
  const containers = optList(spec, 'containers', `${path}.containers`, errs);
  if (!containers || containers.length === 0) {
    if (!isSet(spec.containers) || Array.isArray(spec.containers)) errs.push(field.required(`${path}.containers`));
  }
  const grace = get(spec, 'terminationGracePeriodSeconds');
  const pod: PodContext = { containerNames: new Set(), volumes, gracePeriod: typeof grace === 'number' ? grace : undefined };
  (containers ?? []).forEach((c, i) => validateContainer(c, `${path}.containers[${i}]`, false, pod, errs));
  uniqueHostPorts(containers ?? [], `${path}.containers`, errs);
  (optList(spec, 'initContainers', `${path}.initContainers`, errs) ?? []).forEach((c, i) => validateContainer(c, `${path}.initContainers[${i}]`, true, pod, errs));

  const restart = optString(spec, 'restartPolicy', `${path}.restartPolicy`, errs);
  if (!restart) errs.push(field.required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restart)) errs.push(field.notSupported(`${path}.restartPolicy`, restart, RESTART_POLICIES));
  const dnsPolicy = optString(spec, 'dnsPolicy', `${path}.dnsPolicy`, errs);
  if (!dnsPolicy) errs.push(field.required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dnsPolicy)) errs.push(field.notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(optStringMap(spec, 'nodeSelector', `${path}.nodeSelector`, errs), `${path}.nodeSelector`));
  validateDNSConfig(spec, dnsPolicy, `${path}.dnsConfig`, errs);
  validateTolerations(spec, `${path}.tolerations`, errs);
  // validateHostAliases: what the agent writes into /etc/hosts, one entry a line
  (optList(spec, 'hostAliases', `${path}.hostAliases`, errs) ?? []).forEach((alias, i) => {
    const at = `${path}.hostAliases[${i}]`;
    if (!isObj(alias)) { errs.push(field.invalid(at, alias, 'must be an object')); return; }
    errs.push(...validateIP(`${at}.ip`, optString(alias, 'ip', `${at}.ip`, errs) ?? ''));
    for (const h of optStringList(alias, 'hostnames', `${at}.hostnames`, errs) ?? []) for (const m of isDNS1123Subdomain(h)) errs.push(field.invalid(`${at}.hostnames`, h, m));
  });
  validateNodeAffinity(spec, `${path}.affinity`, errs);
  // validateReadinessGates: each gate names a pod condition type, a qualified name
  (optList(spec, 'readinessGates', `${path}.readinessGates`, errs) ?? []).forEach((gate, i) => {
    const at = `${path}.readinessGates[${i}].conditionType`;
    const type = optString(gate, 'conditionType', at, errs) ?? '';
    for (const m of isQualifiedName(type)) errs.push(field.invalid(at, type, m));
  });
  optBool(spec, 'hostNetwork', `${path}.hostNetwork`, errs);
  optBool(spec, 'enableServiceLinks', `${path}.enableServiceLinks`, errs);

  // the deprecated serviceAccount is an alias the defaults copied into serviceAccountName when that was empty
  const account = optString(spec, 'serviceAccountName', `${path}.serviceAccountName`, errs);
  if (account) for (const m of nameIsDNSSubdomain(account, false)) errs.push(field.invalid(`${path}.serviceAccountName`, account, m));
  optString(spec, 'serviceAccount', `${path}.serviceAccount`, errs);
  optBool(spec, 'automountServiceAccountToken', `${path}.automountServiceAccountToken`, errs);
  const nodeName = optString(spec, 'nodeName', `${path}.nodeName`, errs);
  if (nodeName) for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid(`${path}.nodeName`, nodeName, m));
  const ads = get(spec, 'activeDeadlineSeconds');
  if (isSet(ads)) {
    if (typeof ads !== 'number' || !Number.isInteger(ads)) errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, NOT_INTEGER));
    else if (ads < 1 || ads > 2147483647) errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  }
  for (const key of ['hostname', 'subdomain']) {
    const v = optString(spec, key, `${path}.${key}`, errs);
    if (v) for (const m of isDNS1123Label(v)) errs.push(field.invalid(`${path}.${key}`, v, m));
  }
  optInt(spec, 'terminationGracePeriodSeconds', `${path}.terminationGracePeriodSeconds`, errs);
  const scheduler = optString(spec, 'schedulerName', `${path}.schedulerName`, errs);
  if (scheduler) for (const m of isDNS1123Subdomain(scheduler)) errs.push(field.invalid(`${path}.schedulerName`, scheduler, m));
  return errs;
}

// Upstream's ValidatePodUpdate text; the spec diff it appends is left out.
export const POD_UPDATE_FORBIDDEN = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * Pod spec on update: immutable but for images, activeDeadlineSeconds,
 * tolerations and terminationGracePeriodSeconds. podnet's scheduler binds
 * with an update, so nodeName may also go from empty to set (upstream uses
 * the binding subresource for that).
 */
export function validatePodSpecUpdate(spec: unknown, old: unknown): FieldError[] {
  if (!isObj(spec) || !isObj(old)) return [];
  const munged: Obj = structuredClone(spec);
  for (const key of ['containers', 'initContainers']) {
    const n = munged[key];
    const o = old[key];
    if (Array.isArray(n) && Array.isArray(o) && n.length === o.length) {
      n.forEach((c, i) => { if (isObj(c) && isObj(o[i])) c.image = (o[i] as Obj).image; });
    }
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.tolerations = old.tolerations;
  munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  if (!old.nodeName) munged.nodeName = old.nodeName;
  const errs: FieldError[] = [];
  if (!deepEqual(munged, old)) errs.push(field.forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}
