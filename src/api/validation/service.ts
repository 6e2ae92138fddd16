// Service validation (k8s pkg/apis/core/validation ValidateService and
// ValidateServiceUpdate), plus the range checks upstream's allocators make
// at create time (clusterIP inside the service CIDR, nodePort inside the
// NodePort range): podnet allocates in a controller after create, so a
// user-chosen value must be checked here or never.

import { field, type FieldError } from '../../errors.js';
import { NODE_PORT_MAX, NODE_PORT_MIN, SERVICE_NETWORK } from '../../config.js';
import { validateLabels } from './label-rules.js';
import { INVALID_IP, ipv4InCIDR, isIP, validateCIDR, validateIP, validateNonSpecialIP } from './ip.js';
import { SUPPORTED_PROTOCOLS, validatePortNumOrName } from './pod.js';
import {
  duplicateGo, get, goIntOrString, goQuote, goStringSlice, invalidGo, isObj, isSet, optBool, optInt, optList, optObj,
  optString, optStringList, optStringMap, type Obj,
} from './fields.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from './names.js';
import { isIPv6 } from 'node:net';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400; // core.MaxClientIPServiceAffinitySeconds
const CONFIGURED_FAMILY = 'IPv4'; // podnet's service network is single-stack IPv4

interface PortView { name: string; protocol: string; port: number; nodePort: number }

function clusterIPsOf(spec: Obj): string[] {
  if (Array.isArray(spec.clusterIPs)) return spec.clusterIPs.map((v) => (typeof v === 'string' ? v : String(v)));
  return typeof spec.clusterIP === 'string' && spec.clusterIP ? [spec.clusterIP] : [];
}

function isHeadless(spec: Obj): boolean {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
}

/** Go's %#v of the (protocol, port) key upstream reports duplicate ports with. */
function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:${goIntOrString(0)}, NodePort:0}`;
}

function validateServicePort(p: unknown, path: string, requireName: boolean, names: Set<string>, errs: FieldError[]): PortView {
  const view: PortView = { name: '', protocol: '', port: 0, nodePort: 0 };
  if (!isObj(p)) { errs.push(field.invalid(path, p, 'must be an object')); return view; }
  const name = optString(p, 'name', `${path}.name`, errs) ?? '';
  if (requireName && !name) {
    errs.push(field.required(`${path}.name`));
  } else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(field.invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = optInt(p, 'port', `${path}.port`, errs);
  if (port !== undefined || !isSet(p.port)) for (const m of isValidPortNum(port ?? 0)) errs.push(field.invalid(`${path}.port`, port ?? 0, m));
  const protocol = optString(p, 'protocol', `${path}.protocol`, errs) ?? '';
  if (!protocol) errs.push(field.required(`${path}.protocol`));
  else if (!SUPPORTED_PROTOCOLS.includes(protocol)) errs.push(field.notSupported(`${path}.protocol`, protocol, SUPPORTED_PROTOCOLS));
  errs.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
  const appProtocol = optString(p, 'appProtocol', `${path}.appProtocol`, errs);
  if (appProtocol !== undefined) for (const m of isQualifiedName(appProtocol)) errs.push(field.invalid(`${path}.appProtocol`, appProtocol, m));
  const nodePort = optInt(p, 'nodePort', `${path}.nodePort`, errs) ?? 0;
  if (nodePort !== 0 && (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX)) {
    errs.push(field.invalid(`${path}.nodePort`, nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`));
  }
  return { name, protocol, port: port ?? 0, nodePort };
}

function validateClientIPAffinity(spec: Obj, errs: FieldError[]): void {
  const path = 'spec.sessionAffinityConfig';
  const when = 'when session affinity type is ClientIP';
  const cfg = optObj(spec, 'sessionAffinityConfig', path, errs);
  if (!cfg) { errs.push(field.required(path, when)); return; }
  const clientIP = optObj(cfg, 'clientIP', `${path}.clientIP`, errs);
  if (!clientIP) { errs.push(field.required(`${path}.clientIP`, when)); return; }
  const tp = `${path}.clientIP.timeoutSeconds`;
  if (!isSet(clientIP.timeoutSeconds)) { errs.push(field.required(tp, when)); return; }
  const t = optInt(clientIP, 'timeoutSeconds', tp, errs);
  if (t !== undefined && (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS)) {
    errs.push(field.invalid(tp, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
  }
}

/** ValidateServiceClusterIPsRelatedFields, plus the allocator's range and family checks. */
function validateClusterIPs(spec: Obj, type: string, errs: FieldError[]): void {
  if (type === 'ExternalName') return;
  const clusterIP = optString(spec, 'clusterIP', 'spec.clusterIP', errs) ?? '';
  const ipsPath = 'spec.clusterIPs';
  const declared = optStringList(spec, 'clusterIPs', ipsPath, errs);
  const ips = declared ?? (clusterIP ? [clusterIP] : []);
  if (clusterIP) {
    if (ips.length === 0) errs.push(field.required(ipsPath));
    else if (ips[0] !== clusterIP) errs.push(invalidGo(ipsPath, goStringSlice(ips), 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(invalidGo(ipsPath, goStringSlice(ips), 'must be empty when `clusterIP` is not specified'));
  }

  const families = optStringList(spec, 'ipFamilies', 'spec.ipFamilies', errs) ?? [];
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
    else if (f !== CONFIGURED_FAMILY) errs.push(field.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    if (seen.has(f)) errs.push(field.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  const policy = optString(spec, 'ipFamilyPolicy', 'spec.ipFamilyPolicy', errs);
  if (policy !== undefined) {
    if (!IP_FAMILY_POLICIES.includes(policy)) errs.push(field.notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
    else if (policy === 'RequireDualStack') errs.push(field.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  }

  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) { bad = true; errs.push(invalidGo(ipsPath, goStringSlice(ips), "'None' must be the first and only value")); }
      return;
    }
    if (!isIP(ip)) { bad = true; errs.push(field.invalid(`${ipsPath}[${i}]`, ip, INVALID_IP)); }
  });
  if (ips.length > 2) errs.push(invalidGo(ipsPath, goStringSlice(ips), 'may only hold up to 2 values'));
  if (bad || isHeadless(spec)) return;
  ips.forEach((ip, i) => {
    const fam = families[i];
    if (fam === 'IPv4' && isIPv6(ip)) errs.push(field.invalid(`${ipsPath}[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
    if (fam === 'IPv6' && !isIPv6(ip)) errs.push(field.invalid(`${ipsPath}[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
  });
  const outside = ips.find((ip) => !isIPv6(ip) && !ipv4InCIDR(ip, SERVICE_NETWORK));
  if (outside !== undefined) {
    // The wording of upstream's IP allocator (registry/core/service/ipallocator ErrNotInRange).
    errs.push(invalidGo(ipsPath, goStringSlice(ips), `failed to allocate IP ${outside}: the provided IP (${outside}) is not in the valid range. The range of valid IPs is ${SERVICE_NETWORK}`));
  }
}

/** service.beta.kubernetes.io/load-balancer-source-ranges: loadBalancerSourceRanges before the field, "a,b" */
export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/** `annotations`: the Service's, for the legacy source-ranges annotation */
export function validateServiceSpec(specValue: unknown, annotations?: Record<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(specValue)) return [field.required('spec.ports')];
  const spec = specValue;
  const type = optString(spec, 'type', 'spec.type', errs) ?? '';
  const headless = isHeadless(spec);
  const ports = optList(spec, 'ports', 'spec.ports', errs) ?? [];
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports'));

  const ips = clusterIPsOf(spec);
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(field.invalid('spec.clusterIPs[0]', ips[0], `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (ips.length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (isSet(spec.ipFamilyPolicy)) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // A CNAME target may end in a dot to mark it fully qualified.
    const cname = (optString(spec, 'externalName', 'spec.externalName', errs) ?? '').replace(/\.$/, '');
    if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(field.invalid('spec.externalName', cname, m));
    else errs.push(field.required('spec.externalName'));
  }

  const names = new Set<string>();
  const views = ports.map((p, i) => validateServicePort(p, `spec.ports[${i}]`, ports.length > 1, names, errs));

  if (isSet(spec.selector)) errs.push(...validateLabels(optStringMap(spec, 'selector', 'spec.selector', errs), 'spec.selector'));

  const affinity = optString(spec, 'sessionAffinity', 'spec.sessionAffinity', errs);
  if (!affinity) errs.push(field.required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') validateClientIPAffinity(spec, errs);
  else if (affinity === 'None' && isSet(spec.sessionAffinityConfig)) {
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  validateClusterIPs(spec, type, errs);

  const externalIPs = optStringList(spec, 'externalIPs', 'spec.externalIPs', errs) ?? [];
  externalIPs.forEach((ip, i) => {
    const e = validateIP(`spec.externalIPs[${i}]`, ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(`spec.externalIPs[${i}]`, ip)));
  });

  if (!type) errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    views.forEach((v, i) => { if (v.nodePort !== 0) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'")); });
  }
  const nodePorts = new Set<string>();
  views.forEach((v, i) => {
    if (v.nodePort === 0) return;
    const key = `${v.protocol}/${v.nodePort}`;
    if (nodePorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, v.nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  views.forEach((v, i) => {
    const key = `${v.protocol}/${v.port}`;
    if (portKeys.has(key)) errs.push(duplicateGo(`spec.ports[${i}]`, goServicePortKey(v.protocol, v.port)));
    portKeys.add(key);
  });

  // validateLoadBalancerClassField and the allocateLoadBalancerNodePorts check
  const lbClass = optString(spec, 'loadBalancerClass', 'spec.loadBalancerClass', errs);
  if (type === 'LoadBalancer') {
    if (lbClass !== undefined) for (const m of isQualifiedName(lbClass)) errs.push(field.invalid('spec.loadBalancerClass', lbClass, m));
  } else if (lbClass !== undefined) {
    errs.push(field.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const allocateNodePorts = optBool(spec, 'allocateLoadBalancerNodePorts', 'spec.allocateLoadBalancerNodePorts', errs);
  if (type === 'LoadBalancer') {
    if (allocateNodePorts === undefined) errs.push(field.required('spec.allocateLoadBalancerNodePorts'));
  } else if (allocateNodePorts !== undefined) {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }

  // ValidateService's loadBalancerSourceRanges block; the path's capital L is upstream's (a historical accident kept for compatibility)
  const sourceRanges = optStringList(spec, 'loadBalancerSourceRanges', 'spec.loadBalancerSourceRanges', errs) ?? [];
  const rangesAnnotation = annotations?.[SOURCE_RANGES_ANNOTATION];
  if (sourceRanges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(field.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    sourceRanges.forEach((range, i) => errs.push(...validateCIDR(`spec.LoadBalancerSourceRanges[${i}]`, range.trim())));
  } else if (typeof rangesAnnotation === 'string') {
    // the field's older form, read by cloud load balancers when the field is empty
    const path = `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
    if (type !== 'LoadBalancer') errs.push(field.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    const value = rangesAnnotation.trim();
    if (value !== '') for (const range of value.split(',')) errs.push(...validateCIDR(path, range.trim()));
  }

  const lbIP = optString(spec, 'loadBalancerIP', 'spec.loadBalancerIP', errs);
  if (lbIP) errs.push(...validateIP('spec.loadBalancerIP', lbIP));

  // validateServiceExternalTrafficPolicy. healthCheckNodePort is allocated
  // after create in podnet, so it is checked when present, never required.
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  const etp = optString(spec, 'externalTrafficPolicy', 'spec.externalTrafficPolicy', errs);
  if (!externallyAccessible) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(field.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(field.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hc = optInt(spec, 'healthCheckNodePort', 'spec.healthCheckNodePort', errs) ?? 0;
  if (hc !== 0) {
    if (!(type === 'LoadBalancer' && etp === 'Local')) {
      errs.push(field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      for (const m of isValidPortNum(hc)) errs.push(field.invalid('spec.healthCheckNodePort', hc, m));
    }
  }

  const itp = optString(spec, 'internalTrafficPolicy', 'spec.internalTrafficPolicy', errs);
  if (itp === undefined) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errs.push(field.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  return errs;
}

/**
 * validateUpgradeDowngradeClusterIPs: an allocated cluster IP never changes
 * (except to or from ExternalName); nor does a LoadBalancer's loadBalancerClass.
 */
export function validateServiceUpdate(spec: unknown, old: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(spec) || !isObj(old)) return errs;
  if (get(spec, 'type') === 'LoadBalancer' && get(old, 'type') === 'LoadBalancer' && get(spec, 'loadBalancerClass') !== get(old, 'loadBalancerClass')) {
    errs.push(field.invalid('spec.loadBalancerClass', get(spec, 'loadBalancerClass') ?? null, 'may not change once set'));
  }
  if (get(spec, 'type') === 'ExternalName' || get(old, 'type') === 'ExternalName') return errs;
  if (isHeadless(spec) && isHeadless(old)) return errs;
  const n = clusterIPsOf(spec);
  const o = clusterIPsOf(old);
  const rendered = Array.isArray(spec.clusterIPs) || n.length ? goStringSlice(n) : goStringSlice(undefined);
  if (o.length === n.length) {
    o.forEach((ip, i) => { if (ip !== n[i]) errs.push(invalidGo(`spec.clusterIPs[${i}]`, rendered, 'may not change once set')); });
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(invalidGo('spec.clusterIPs[0]', rendered, 'primary clusterIP can not be unset'));
    else if (n[0] !== o[0]) errs.push(invalidGo('spec.clusterIPs[0]', rendered, 'may not change once set'));
  } else if (o.length > 0 && n[0] !== o[0]) {
    errs.push(invalidGo('spec.clusterIPs[0]', rendered, 'may not change once set'));
  }
  return errs;
}
