// Secret, ConfigMap, Namespace, Node, Event and EndpointSlice validation, as rows.

import { CONFIG_KEY_MSG, DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, meta, table } from './fixtures.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (rest: object = {}, metadata: object = meta('creds')) => ({ apiVersion: 'v1', kind: 'Secret', metadata, ...rest });
const configMap = (rest: object = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('conf'), ...rest });

table('Secret', [
  { name: 'valid Opaque', obj: secret({ data: { password: b64('hunter2') } }), want: [] },
  { name: 'stringData merges into data', obj: secret({ stringData: { 'tls.crt': 'c', 'tls.key': 'k' }, type: 'kubernetes.io/tls' }), want: [] },
  { name: 'tls needs crt and key', obj: secret({ type: 'kubernetes.io/tls', data: {} }), want: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'] },
  { name: 'tls needs key', obj: secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }), want: ['data[tls.key]: Required value'] },
  { name: 'data key invalid', obj: secret({ data: { 'a/b': b64('x') } }), want: [`data[a/b]: Invalid value: "a/b": ${CONFIG_KEY_MSG}`] },
  { name: 'data not base64', obj: secret({ data: { token: 'not base64!' } }), want: ['data[token]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3'] },
  { name: 'basic-auth needs a field', obj: secret({ type: 'kubernetes.io/basic-auth', data: {} }), want: ['data[username]: Required value', 'data[password]: Required value'] },
  { name: 'name is a subdomain', obj: secret({}, meta('Creds')), want: [`metadata.name: Invalid value: "Creds": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'type is immutable', obj: secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } }), old: secret(), want: ['type: Invalid value: "kubernetes.io/tls": field is immutable'] },
  { name: 'immutable secret data', obj: secret({ immutable: true, data: { a: b64('2') } }), old: secret({ immutable: true, data: { a: b64('1') } }), want: ['data: Forbidden: field is immutable when `immutable` is set'] },
]);

table('ConfigMap', [
  { name: 'valid', obj: configMap({ data: { 'app.conf': 'x=1' } }), want: [] },
  { name: 'bad key', obj: configMap({ data: { 'a b': 'x' } }), want: [`data[a b]: Invalid value: "a b": ${CONFIG_KEY_MSG}`] },
  { name: 'key .. ', obj: configMap({ data: { '..data': 'x' } }), want: ["data[..data]: Invalid value: \"..data\": must not start with '..'"] },
  { name: 'key in both maps', obj: configMap({ data: { a: 'x' }, binaryData: { a: b64('y') } }), want: ['data[a]: Invalid value: "a": duplicate of key present in binaryData'] },
  { name: 'immutable may not be unset', obj: configMap({ data: { a: 'x' } }), old: configMap({ immutable: true, data: { a: 'x' } }), want: ['immutable: Forbidden: field is immutable when `immutable` is set'] },
]);

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const node = (name: string, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec });

table('Namespace and Node', [
  { name: 'namespace ok', obj: namespace('team-a'), want: [] },
  { name: 'namespace is a DNS label', obj: namespace('team.a'), want: ['metadata.name: Invalid value: "team.a": must not contain dots'] },
  { name: 'namespace upper case', obj: namespace('Team'), want: [`metadata.name: Invalid value: "Team": ${DNS1123_LABEL_MSG}`] },
  { name: 'node name may have dots', obj: node('node-1.cluster'), want: [] },
  { name: 'node name is a subdomain', obj: node('Node_1'), want: [`metadata.name: Invalid value: "Node_1": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'node podCIDRs', obj: node('n1', { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/33'] }), want: ['spec.podCIDRs[0]: Invalid value: "10.244.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)', 'spec.podCIDRs: Invalid value: []string{"10.244.0.0/33"}: first value must match `podCIDR`'] },
  { name: 'node taints', obj: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute' }] }), want: [] },
  { name: 'node taint effect', obj: node('n1', { taints: [{ key: 'a', effect: 'Bogus' }, { key: 'b' }] }), want: ['spec.taints[0].effect: Unsupported value: "Bogus": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"', 'spec.taints[1].effect: Required value'] },
  { name: 'node taint key and duplicates', obj: node('n1', { taints: [{ key: 'bad key', effect: 'NoSchedule' }, { key: 'a', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }] }), want: [`spec.taints[0].key: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`, 'spec.taints[2]: Duplicate value: "a:NoSchedule"'] },
  { name: 'node podCIDR set once', obj: node('n1', { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] }), old: node('n1'), want: [] },
  { name: 'node podCIDR may not change', obj: node('n1', { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }), old: node('n1', { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] }), want: ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'] },
]);

const endpoints = (subsets: object[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta('db'), subsets });

table('Endpoints', [
  { name: 'valid', obj: endpoints([{ addresses: [{ ip: '192.0.2.10', hostname: 'db-a' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }]), want: [] },
  { name: 'bad and special addresses', obj: endpoints([{ addresses: [{ ip: 'db.example.test' }, { ip: '127.0.0.1' }] }]), want: ['subsets[0].addresses[0].ip: Invalid value: "db.example.test": must be a valid IPv4 address', 'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'several ports need names; port and protocol', obj: endpoints([{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80, protocol: 'TCP' }, { name: 'b', port: 70000, protocol: 'ICMP' }] }]), want: ['subsets[0].ports[0].name: Required value', 'subsets[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive', 'subsets[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'] },
]);

const event = (io: object | undefined, rest: object = {}) => ({ apiVersion: 'v1', kind: 'Event', metadata: meta('web.17a'), involvedObject: io, reason: 'Started', ...rest });

table('Event', [
  { name: 'valid', obj: event({ kind: 'Pod', name: 'web', namespace: 'default' }), want: [] },
  { name: 'involvedObject required', obj: event(undefined), want: ['involvedObject: Required value'] },
  { name: 'namespace mismatch', obj: event({ kind: 'Pod', name: 'web', namespace: 'other' }), want: ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'] },
  { name: 'type', obj: event({ kind: 'Pod', name: 'web', namespace: 'default' }, { type: 'Error' }), want: ['type: Unsupported value: "Error": supported values: "Normal", "Warning"'] },
]);

const slice = (rest: object) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-abc12'), addressType: 'IPv4', endpoints: [], ...rest });

table('EndpointSlice', [
  { name: 'valid', obj: slice({ endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080 }] }), want: [] },
  { name: 'addressType required', obj: slice({ addressType: undefined }), want: ['addressType: Required value'] },
  { name: 'addressType supported', obj: slice({ addressType: 'IPv5' }), want: ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'] },
  { name: 'address must match type', obj: slice({ endpoints: [{ addresses: ['fd00::1'] }] }), want: ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'] },
  { name: 'no loopback endpoints', obj: slice({ endpoints: [{ addresses: ['127.0.0.1'] }] }), want: ['endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'endpoint needs an address', obj: slice({ endpoints: [{ addresses: [] }] }), want: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
  { name: 'at most 1000 endpoints', obj: slice({ endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.244.0.5'] })) }), want: ['endpoints: Too many: 1001: must have at most 1000 items'] },
  { name: 'FQDN addresses', obj: slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db'] }] }), want: ['endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two segments separated by dots'] },
  { name: 'port protocol', obj: slice({ ports: [{ port: 80, protocol: 'HTTP' }] }), want: ['ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'] },
  { name: 'duplicate port names', obj: slice({ ports: [{ port: 80 }, { port: 81 }] }), want: ['ports[1].name: Duplicate value: ""'] },
  { name: 'port range', obj: slice({ ports: [{ name: 'x', port: 0 }] }), want: ['ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  { name: 'hostname is a DNS label', obj: slice({ endpoints: [{ addresses: ['10.244.0.5'], hostname: 'web.0' }] }), want: ['endpoints[0].hostname: Invalid value: "web.0": must not contain dots'] },
  { name: 'addressType is immutable', obj: slice({ addressType: 'IPv6' }), old: slice({}), want: ['addressType: Invalid value: "IPv6": field is immutable'] },
]);
