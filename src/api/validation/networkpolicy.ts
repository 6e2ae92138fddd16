// NetworkPolicy validation (k8s pkg/apis/networking/validation:
// ValidateNetworkPolicySpec and the port, peer and ipBlock checks under it).
// An update runs the same checks: upstream's update rule adds only the
// metadata comparison, which index.ts makes for every kind. Runs after
// defaulting, so every port has a protocol and policyTypes is never empty.

import { field, type FieldError } from '../../errors.js';
import { validateLabelSelector } from '../labels.js';
import { isStrictSubnet, validateCIDR } from './ip.js';
import { NOT_OBJECT, NOT_STRING, goStringSlice, invalidGo, isObj, isSet, optInt, optList, optObj, type Obj } from './fields.js';
import { isValidPortName, isValidPortNum } from './names.js';

/** In upstream's order, which its messages keep (not sorted). */
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

/** A rule's list of peers is `from` on ingress and `to` on egress. */
const PEERS_FIELD = { ingress: 'from', egress: 'to' } as const;

/** ValidateNetworkPolicyPort: an endPort needs a numeric port, at most that far. */
function validatePort(port: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(port)) { errs.push(field.invalid(path, port, NOT_OBJECT)); return; }
  const protocol = port.protocol;
  if (isSet(protocol) && !PROTOCOLS.includes(protocol as string)) errs.push(field.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  const value = port.port;
  const endPath = `${path}.endPort`;
  const endPort = optInt(port, 'endPort', endPath, errs);
  if (!isSet(value)) {
    if (endPort !== undefined) errs.push(field.invalid(endPath, endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    for (const m of isValidPortNum(value)) errs.push(field.invalid(`${path}.port`, value, m));
    if (endPort !== undefined) {
      if (endPort < value) errs.push(field.invalid(endPath, endPort, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(endPort)) errs.push(field.invalid(endPath, endPort, m));
    }
  } else if (typeof value === 'string') {
    if (endPort !== undefined) errs.push(field.invalid(endPath, endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(value)) errs.push(field.invalid(`${path}.port`, value, m));
  } else {
    errs.push(field.invalid(`${path}.port`, value, 'must be an integer or a string'));
  }
}

/**
 * ValidateIPBlock: a CIDR, and exceptions strictly inside it. A cidr that
 * does not parse stops there; an exception that does not parse is reported
 * and the next one checked.
 */
function validateIPBlock(block: Obj, path: string, errs: FieldError[]): void {
  const cidrPath = `${path}.cidr`;
  if (!isSet(block.cidr) || block.cidr === '') { errs.push(field.required(cidrPath)); return; }
  if (typeof block.cidr !== 'string') { errs.push(field.invalid(cidrPath, block.cidr, NOT_STRING)); return; }
  const cidr = block.cidr;
  const cidrErrs = validateCIDR(cidrPath, cidr);
  errs.push(...cidrErrs);
  if (cidrErrs.length > 0) return;
  (optList(block, 'except', `${path}.except`, errs) ?? []).forEach((except, i) => {
    const p = `${path}.except[${i}]`;
    if (typeof except !== 'string') { errs.push(field.invalid(p, except, NOT_STRING)); return; }
    const exceptErrs = validateCIDR(p, except);
    errs.push(...exceptErrs);
    if (exceptErrs.length === 0 && !isStrictSubnet(cidr, except)) errs.push(field.invalid(p, except, 'must be a strict subset of `cidr`'));
  });
}

/**
 * ValidateNetworkPolicyPeer: pods (by podSelector, namespaceSelector or
 * both, which then narrow each other) or an ipBlock, never both kinds.
 */
function validatePeer(peer: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(peer)) { errs.push(field.invalid(path, peer, NOT_OBJECT)); return; }
  let peers = 0;
  for (const key of ['podSelector', 'namespaceSelector']) {
    if (!isSet(peer[key])) continue;
    peers++;
    errs.push(...validateLabelSelector(peer[key], `${path}.${key}`));
  }
  const ipBlock = optObj(peer, 'ipBlock', `${path}.ipBlock`, errs);
  if (ipBlock) {
    peers++;
    validateIPBlock(ipBlock, `${path}.ipBlock`, errs);
  }
  if (peers === 0) errs.push(field.required(path, 'must specify a peer'));
  else if (peers > 1 && ipBlock) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
}

function validateRules(spec: Obj, direction: keyof typeof PEERS_FIELD, errs: FieldError[]): void {
  const peersField = PEERS_FIELD[direction];
  (optList(spec, direction, `spec.${direction}`, errs) ?? []).forEach((rule, i) => {
    const rp = `spec.${direction}[${i}]`;
    if (!isObj(rule)) { errs.push(field.invalid(rp, rule, NOT_OBJECT)); return; }
    (optList(rule, 'ports', `${rp}.ports`, errs) ?? []).forEach((port, j) => validatePort(port, `${rp}.ports[${j}]`, errs));
    (optList(rule, peersField, `${rp}.${peersField}`, errs) ?? []).forEach((peer, j) => validatePeer(peer, `${rp}.${peersField}[${j}]`, errs));
  });
}

/**
 * At most two types, each Ingress or Egress. Upstream checks nothing else:
 * [Ingress, Ingress] is accepted, and means Ingress.
 */
function validatePolicyTypes(spec: Obj, errs: FieldError[]): void {
  const types = optList(spec, 'policyTypes', 'spec.policyTypes', errs) ?? [];
  if (types.length > POLICY_TYPES.length) {
    errs.push(invalidGo('spec.policyTypes', goStringSlice(types.map(String), '[]networking.PolicyType'), 'may not specify more than two policyTypes'));
    return;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t as string)) errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
}

/** ValidateNetworkPolicySpec, in upstream's order: pod selector, ingress rules, egress rules, policy types. */
export function validateNetworkPolicy(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  validateRules(spec, 'ingress', errs);
  validateRules(spec, 'egress', errs);
  validatePolicyTypes(spec, errs);
  return errs;
}
