// EndpointSlice validation (k8s pkg/apis/discovery/validation), and v1
// Endpoints' (core validation ValidateEndpoints), the older shape of the same data.

import { field, type FieldError } from '../../errors.js';
import { isIPv4, isIPv6 } from 'node:net';
import { validateNonSpecialIP } from './ip.js';
import { IMMUTABLE, get, isObj, optInt, optList, optObj, optString, optStringList, type Obj } from './fields.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { SUPPORTED_PROTOCOLS } from './pod.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

/** IsFullyQualifiedDomainName: at least two labels, trailing dot allowed. */
function validateFQDN(path: string, value: string): FieldError[] {
  if (!value) return [field.required(path)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const sub = isDNS1123Subdomain(name);
  if (sub.length) return [field.invalid(path, name, sub.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [field.invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) return [field.invalid(path, l, e.join(','))];
  }
  return [];
}

function validateAddress(addressType: string, address: string, path: string): FieldError[] {
  switch (addressType) {
    case 'IPv4':
      return isIPv4(address) ? validateNonSpecialIP(path, address) : [field.invalid(path, address, 'must be a valid IPv4 address')];
    case 'IPv6':
      return isIPv6(address) ? validateNonSpecialIP(path, address) : [field.invalid(path, address, 'must be a valid IPv6 address')];
    case 'FQDN':
      return validateFQDN(path, address);
  }
  return []; // unknown types are reported on addressType
}

export function validateEndpointSlice(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const addressType = optString(obj, 'addressType', 'addressType', errs) ?? '';
  if (!addressType) errs.push(field.required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(field.notSupported('addressType', addressType, ADDRESS_TYPES));

  const endpoints = optList(obj, 'endpoints', 'endpoints', errs) ?? [];
  if (endpoints.length > MAX_ENDPOINTS) {
    errs.push(field.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  } else {
    endpoints.forEach((ep, i) => {
      const p = `endpoints[${i}]`;
      if (!isObj(ep)) { errs.push(field.invalid(p, ep, 'must be an object')); return; }
      const addresses = optStringList(ep, 'addresses', `${p}.addresses`, errs) ?? [];
      if (addresses.length === 0) errs.push(field.required(`${p}.addresses`, 'must contain at least 1 address'));
      else if (addresses.length > MAX_ADDRESSES) errs.push(field.tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
      addresses.forEach((a, j) => errs.push(...validateAddress(addressType, a, `${p}.addresses[${j}]`)));
      const nodeName = optString(ep, 'nodeName', `${p}.nodeName`, errs);
      if (nodeName !== undefined) for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid(`${p}.nodeName`, nodeName, m));
      const hostname = optString(ep, 'hostname', `${p}.hostname`, errs);
      if (hostname !== undefined) for (const m of isDNS1123Label(hostname)) errs.push(field.invalid(`${p}.hostname`, hostname, m));
      optObj(ep, 'conditions', `${p}.conditions`, errs);
    });
  }

  const ports = optList(obj, 'ports', 'ports', errs) ?? [];
  if (ports.length > MAX_PORTS) {
    errs.push(field.tooMany('ports', ports.length, MAX_PORTS));
    return errs;
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    if (!isObj(port)) { errs.push(field.invalid(p, port, 'must be an object')); return; }
    const name = optString(port, 'name', `${p}.name`, errs) ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(field.invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    else names.add(name);
    const protocol = optString(port, 'protocol', `${p}.protocol`, errs);
    if (!protocol) errs.push(field.required(`${p}.protocol`));
    else if (!SUPPORTED_PROTOCOLS.includes(protocol)) errs.push(field.notSupported(`${p}.protocol`, protocol, SUPPORTED_PROTOCOLS));
    const num = optInt(port, 'port', `${p}.port`, errs);
    if (num !== undefined) for (const m of isValidPortNum(num)) errs.push(field.invalid(`${p}.port`, num, m));
    const appProtocol = optString(port, 'appProtocol', `${p}.appProtocol`, errs);
    if (appProtocol !== undefined) for (const m of isQualifiedName(appProtocol)) errs.push(field.invalid(`${p}.appProtocol`, appProtocol, m));
  });
  return errs;
}

export function validateEndpointSliceUpdate(obj: Obj, old: Obj): FieldError[] {
  const n = get(obj, 'addressType');
  return n === get(old, 'addressType') ? [] : [field.invalid('addressType', n ?? '', IMMUTABLE)];
}

/** ValidateEndpoints: every address a valid, non-special IPv4; ports named when there are several. */
export function validateEndpoints(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  (optList(obj, 'subsets', 'subsets', errs) ?? []).forEach((subset, i) => {
    const p = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (optList(subset, key, `${p}.${key}`, errs) ?? []).forEach((a, j) => {
        const ap = `${p}.${key}[${j}]`;
        const ip = optString(a, 'ip', `${ap}.ip`, errs) ?? '';
        errs.push(...validateAddress('IPv4', ip, `${ap}.ip`));
        const hostname = optString(a, 'hostname', `${ap}.hostname`, errs);
        if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(field.invalid(`${ap}.hostname`, hostname, m));
        const nodeName = optString(a, 'nodeName', `${ap}.nodeName`, errs);
        if (nodeName) for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid(`${ap}.nodeName`, nodeName, m));
      });
    }
    const ports = optList(subset, 'ports', `${p}.ports`, errs) ?? [];
    const seen = new Set<string>();
    ports.forEach((port, k) => {
      const pp = `${p}.ports[${k}]`;
      const name = optString(port, 'name', `${pp}.name`, errs) ?? '';
      if (ports.length > 1 && !name) errs.push(field.required(`${pp}.name`));
      else if (name) for (const m of isDNS1123Label(name)) errs.push(field.invalid(`${pp}.name`, name, m));
      if (seen.has(name)) errs.push(field.duplicate(`${pp}.name`, name));
      seen.add(name);
      const num = optInt(port, 'port', `${pp}.port`, errs);
      if (num === undefined) errs.push(field.required(`${pp}.port`));
      else for (const m of isValidPortNum(num)) errs.push(field.invalid(`${pp}.port`, num, m));
      const protocol = optString(port, 'protocol', `${pp}.protocol`, errs);
      if (!protocol) errs.push(field.required(`${pp}.protocol`));
      else if (!SUPPORTED_PROTOCOLS.includes(protocol)) errs.push(field.notSupported(`${pp}.protocol`, protocol, SUPPORTED_PROTOCOLS));
    });
  });
  return errs;
}
