// Ingress and IngressClass validation (k8s pkg/apis/networking/validation).

import { field, type FieldError } from '../../errors.js';
import { isIP } from './ip.js';
import { IMMUTABLE, get, invalidGo, isObj, isSet, optInt, optList, optObj, optString, optStringList, tooLong, type Obj } from './fields.js';
import { CLASS_ANNOTATION } from '../default-ingress-class.js';
import {
  HTTP_PATH_FMT, HTTP_PATH_RE, isDNS1123Subdomain, isPathSegmentName, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain,
  nameIsDNS1035Label, nameIsDNSSubdomain, regexError,
} from './names.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']; // sorted, as sets.List prints them
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const MAX_LEN_INGRESS_CLASS_CONTROLLER = 250;
const SCOPES = ['Cluster', 'Namespace'];

function validateBackend(b: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(b)) { errs.push(field.invalid(path, '', 'resource or service backend is required')); return; }
  const hasResource = isSet(b.resource);
  const hasService = isSet(b.service);
  if (hasResource && hasService) { errs.push(field.invalid(path, '', 'cannot set both resource and service backends')); return; }
  if (hasResource) {
    const r = optObj(b, 'resource', `${path}.resource`, errs);
    if (r) validateTypedReference(r, `${path}.resource`, errs);
    return;
  }
  if (!hasService) { errs.push(field.invalid(path, '', 'resource or service backend is required')); return; }
  const svc = optObj(b, 'service', `${path}.service`, errs);
  if (!svc) return;
  const name = optString(svc, 'name', `${path}.service.name`, errs);
  if (!name) errs.push(field.required(`${path}.service.name`));
  else for (const m of nameIsDNS1035Label(name, false)) errs.push(field.invalid(`${path}.service.name`, name, m));
  const port = optObj(svc, 'port', `${path}.service.port`, errs) ?? {};
  const portName = optString(port, 'name', `${path}.service.port.name`, errs) ?? '';
  const portNumber = optInt(port, 'number', `${path}.service.port.number`, errs) ?? 0;
  if (portName && portNumber) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(field.invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(field.invalid(`${path}.service.port.number`, portNumber, m));
  else errs.push(field.required(path, 'port name or number is required'));
}

function validateTypedReference(r: Obj, path: string, errs: FieldError[]): void {
  const group = optString(r, 'apiGroup', `${path}.apiGroup`, errs);
  if (group !== undefined) for (const m of isDNS1123Subdomain(group)) errs.push(field.invalid(`${path}.apiGroup`, group, m));
  for (const key of ['kind', 'name']) {
    const v = optString(r, key, `${path}.${key}`, errs);
    if (!v) errs.push(field.required(`${path}.${key}`));
    else for (const m of isPathSegmentName(v)) errs.push(field.invalid(`${path}.${key}`, v, m));
  }
}

function validatePath(p: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(p)) { errs.push(field.invalid(path, p, 'must be an object')); return; }
  const pathType = optString(p, 'pathType', `${path}.pathType`, errs);
  if (!pathType) { errs.push(field.required(`${path}.pathType`, 'pathType must be specified')); return; }
  const value = optString(p, 'path', `${path}.path`, errs) ?? '';
  switch (pathType) {
    case 'Exact': case 'Prefix':
      if (!value.startsWith('/')) errs.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
      if (value) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(field.invalid(`${path}.path`, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(field.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(field.notSupported(`${path}.pathType`, pathType, PATH_TYPES));
  }
  validateBackend(p.backend, `${path}.backend`, errs);
}

function validateHost(host: string, path: string, errs: FieldError[]): void {
  if (host.includes('*')) for (const m of isWildcardDNS1123Subdomain(host)) errs.push(field.invalid(path, host, m));
  else for (const m of isDNS1123Subdomain(host)) errs.push(field.invalid(path, host, m));
}

function validateRules(rules: unknown[], errs: FieldError[]): void {
  rules.forEach((rule, i) => {
    const rp = `spec.rules[${i}]`;
    if (!isObj(rule)) { errs.push(field.invalid(rp, rule, 'must be an object')); return; }
    const host = optString(rule, 'host', `${rp}.host`, errs);
    if (host) {
      if (isIP(host)) errs.push(field.invalid(`${rp}.host`, host, 'must be a DNS name, not an IP address'));
      validateHost(host, `${rp}.host`, errs);
    }
    const http = optObj(rule, 'http', `${rp}.http`, errs);
    if (!http) return;
    const paths = optList(http, 'paths', `${rp}.http.paths`, errs) ?? [];
    if (paths.length === 0) errs.push(field.required(`${rp}.http.paths`));
    paths.forEach((p, j) => validatePath(p, `${rp}.http.paths[${j}]`, errs));
  });
}

function validateTLS(tls: unknown[], errs: FieldError[]): void {
  tls.forEach((t, i) => {
    const tp = `spec.tls[${i}]`;
    (optStringList(t, 'hosts', `${tp}.hosts`, errs) ?? []).forEach((h, j) => validateHost(h, `${tp}.hosts[${j}]`, errs));
    const secret = optString(t, 'secretName', `${tp}.secretName`, errs);
    if (secret) for (const m of nameIsDNSSubdomain(secret, false)) errs.push(field.invalid(`${tp}.secretName`, secret, m));
  });
}

export function validateIngress(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  const rulesValue = spec.rules;
  const rules = optList(spec, 'rules', 'spec.rules', errs) ?? [];
  if (rules.length === 0 && !isSet(spec.defaultBackend)) {
    const rendered = Array.isArray(rulesValue) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
    errs.push(invalidGo('spec', rendered, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isSet(spec.defaultBackend)) validateBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  validateRules(rules, errs);
  validateTLS(optList(spec, 'tls', 'spec.tls', errs) ?? [], errs);
  const className = optString(spec, 'ingressClassName', 'spec.ingressClassName', errs);
  if (className !== undefined) for (const m of nameIsDNSSubdomain(className, false)) errs.push(field.invalid('spec.ingressClassName', className, m));
  return errs;
}

/** ValidateIngressCreate's extra check: the legacy class annotation must agree with ingressClassName. */
export function validateIngressCreate(obj: Obj): FieldError[] {
  const annotation = get(get(obj, 'metadata'), 'annotations');
  const value = get(annotation, CLASS_ANNOTATION);
  const className = get(get(obj, 'spec'), 'ingressClassName');
  if (typeof value === 'string' && typeof className === 'string' && value !== className) {
    return [field.invalid(`annotations.${CLASS_ANNOTATION}`, value, 'must match `ingressClassName` when both are specified')];
  }
  return [];
}

/** IsDomainPrefixedPath: `example.com/ingress-nginx`. */
function validateDomainPrefixedPath(value: string, path: string): FieldError[] {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !rest) return [field.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  if (!HTTP_PATH_RE.test(rest)) errs.push(field.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

export function validateIngressClass(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  const controller = optString(spec, 'controller', 'spec.controller', errs);
  if (!controller) {
    errs.push(field.required('spec.controller'));
  } else {
    if (Buffer.byteLength(controller) > MAX_LEN_INGRESS_CLASS_CONTROLLER) {
      errs.push(tooLong('spec.controller', MAX_LEN_INGRESS_CLASS_CONTROLLER));
    }
    errs.push(...validateDomainPrefixedPath(controller, 'spec.controller'));
  }
  const params = optObj(spec, 'parameters', 'spec.parameters', errs);
  if (params) {
    const pp = 'spec.parameters';
    validateTypedReference(params, pp, errs);
    const scope = optString(params, 'scope', `${pp}.scope`, errs);
    if (!scope) {
      errs.push(field.required(`${pp}.scope`));
    } else if (!SCOPES.includes(scope)) {
      errs.push(field.notSupported(`${pp}.scope`, scope, SCOPES));
    } else if (scope === 'Namespace' && !isSet(params.namespace)) {
      errs.push(field.required(`${pp}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    } else if (scope === 'Cluster' && isSet(params.namespace)) {
      errs.push(field.forbidden(`${pp}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export function validateIngressClassUpdate(obj: Obj, old: Obj): FieldError[] {
  const n = get(get(obj, 'spec'), 'controller');
  const o = get(get(old, 'spec'), 'controller');
  return (n ?? '') === (o ?? '') ? [] : [field.invalid('spec.controller', n ?? '', IMMUTABLE)];
}
