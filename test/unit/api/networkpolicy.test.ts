// NetworkPolicy: validation as rows of manifest (defaulted first, as the API
// server does) → upstream's exact messages; the defaults; the strict-subset
// test behind ipBlock.except; and the schema strict field validation reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import { schemaOf, unknownFields } from '../../../src/api/known-fields.js';
import type { KubeObject, NetworkPolicy } from '../../../src/api/types.js';
import { isStrictSubnet } from '../../../src/api/validation/ip.js';
import { DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, LABEL_VALUE_MSG, meta, table, type Json } from './fixtures.js';

const policy = (spec: Json = {}, metadata: Json = meta('db')): Json => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: { podSelector: { matchLabels: { app: 'db' } }, ...spec },
});
/** A policy with one ingress rule. */
const ingress = (rule: Json): Json => policy({ ingress: [rule] });
const fromPeer = (peer: Json): Json => ingress({ from: [peer] });
const fromBlock = (ipBlock: Json): Json => fromPeer({ ipBlock });
const onPort = (port: Json): Json => ingress({ ports: [port] });

/** apimachinery's words for a bad port number, port name and CIDR. */
const { PORT_RANGE, PORT_NAME_CHARS, PORT_NAME_LETTER, INVALID_CIDR } = {
  PORT_RANGE: 'must be between 1 and 65535, inclusive',
  PORT_NAME_CHARS: 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  PORT_NAME_LETTER: 'must contain at least one letter (a-z)',
  INVALID_CIDR: 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
};
/** The first ingress rule's first port and first peer. */
const [P, F] = ['spec.ingress[0].ports[0]', 'spec.ingress[0].from[0]'];

table('NetworkPolicy', [
  { name: 'valid: the docs\' test-network-policy', obj: policy({
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{
      from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }],
      ports: [{ protocol: 'TCP', port: 6379 }],
    }],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
  }), want: [] },
  { name: 'valid: deny all, an empty pod selector', obj: policy({ podSelector: {} }), want: [] },
  { name: 'valid: no spec at all (defaults make it a deny-all-ingress policy)', obj: { ...policy(), spec: undefined }, want: [] },
  { name: 'valid: an empty rule allows everything', obj: ingress({}), want: [] },
  { name: 'valid: podSelector and namespaceSelector together narrow one peer', obj: fromPeer({ podSelector: {}, namespaceSelector: { matchLabels: { team: 'a' } } }), want: [] },
  { name: 'valid: a named port, UDP and SCTP', obj: ingress({ ports: [{ port: 'dns', protocol: 'UDP' }, { port: 9, protocol: 'SCTP' }] }), want: [] },
  { name: 'valid: a port range, and a range of one port', obj: ingress({ ports: [{ port: 32000, endPort: 32768 }, { port: 80, endPort: 80 }] }), want: [] },
  { name: 'valid: IPv6 blocks', obj: fromBlock({ cidr: '2001:db8::/32', except: ['2001:db8:1::/48', '2001:db8::ffff:10.0.0.0/120'] }), want: [] },
  { name: 'valid: the same policy type twice (upstream checks only the count and the values)', obj: policy({ policyTypes: ['Ingress', 'Ingress'] }), want: [] },

  { name: 'name is a DNS subdomain', obj: policy({}, meta('DB')), want: [`metadata.name: Invalid value: "DB": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'podSelector label key', obj: policy({ podSelector: { matchLabels: { 'bad key': 'x' } } }), want: [`spec.podSelector.matchLabels: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`] },
  { name: 'podSelector expression operator', obj: policy({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Has' }] } }), want: ['spec.podSelector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator'] },

  { name: 'protocol', obj: onPort({ port: 80, protocol: 'ICMP' }), want: [`${P}.protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`] },
  { name: 'protocol "" is a value, not an absent one', obj: onPort({ port: 80, protocol: '' }), want: [`${P}.protocol: Unsupported value: "": supported values: "TCP", "UDP", "SCTP"`] },
  { name: 'port 0', obj: onPort({ port: 0 }), want: [`${P}.port: Invalid value: 0: ${PORT_RANGE}`] },
  { name: 'port 65536', obj: onPort({ port: 65536 }), want: [`${P}.port: Invalid value: 65536: ${PORT_RANGE}`] },
  { name: 'port name not an IANA_SVC_NAME', obj: onPort({ port: 'HTTP' }), want: [`${P}.port: Invalid value: "HTTP": ${PORT_NAME_CHARS}`, `${P}.port: Invalid value: "HTTP": ${PORT_NAME_LETTER}`] },
  { name: 'port name too long', obj: onPort({ port: 'a-very-long-name' }), want: [`${P}.port: Invalid value: "a-very-long-name": must be no more than 15 characters`] },
  { name: 'a port number written as a string is a name', obj: onPort({ port: '80' }), want: [`${P}.port: Invalid value: "80": ${PORT_NAME_LETTER}`] },
  { name: 'endPort below port', obj: onPort({ port: 8080, endPort: 8000 }), want: [`${P}.endPort: Invalid value: 8000: must be greater than or equal to \`port\``] },
  { name: 'endPort out of range', obj: onPort({ port: 80, endPort: 70000 }), want: [`${P}.endPort: Invalid value: 70000: ${PORT_RANGE}`] },
  { name: 'endPort below a port out of range: both, port first', obj: onPort({ port: 0, endPort: -1 }),
    want: [`${P}.port: Invalid value: 0: ${PORT_RANGE}`, `${P}.endPort: Invalid value: -1: must be greater than or equal to \`port\``, `${P}.endPort: Invalid value: -1: ${PORT_RANGE}`] },
  { name: 'endPort with a named port', obj: onPort({ port: 'http', endPort: 90 }), want: [`${P}.endPort: Invalid value: 90: may not be specified when \`port\` is non-numeric`] },
  { name: 'endPort without a port', obj: onPort({ endPort: 90 }), want: [`${P}.endPort: Invalid value: 90: may not be specified when \`port\` is not specified`] },
  { name: 'egress ports are checked too', obj: policy({ egress: [{ ports: [{ port: 99999 }] }] }), want: [`spec.egress[0].ports[0].port: Invalid value: 99999: ${PORT_RANGE}`] },

  { name: 'an empty peer', obj: fromPeer({}), want: [`${F}: Required value: must specify a peer`] },
  { name: 'an empty egress peer', obj: policy({ egress: [{ to: [{}] }] }), want: ['spec.egress[0].to[0]: Required value: must specify a peer'] },
  { name: 'ipBlock with a podSelector', obj: fromPeer({ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }), want: [`${F}: Forbidden: may not specify both ipBlock and another peer`] },
  { name: 'ipBlock with a namespaceSelector', obj: fromPeer({ namespaceSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }), want: [`${F}: Forbidden: may not specify both ipBlock and another peer`] },
  { name: 'peer selectors are checked', obj: fromPeer({ namespaceSelector: { matchLabels: { team: 'a b' } } }), want: [`${F}.namespaceSelector.matchLabels: Invalid value: "a b": ${LABEL_VALUE_MSG}`] },

  { name: 'ipBlock.cidr required', obj: fromBlock({ except: ['10.0.0.0/24'] }), want: [`${F}.ipBlock.cidr: Required value`] },
  { name: 'ipBlock.cidr not a CIDR', obj: fromBlock({ cidr: '10.0.0.1' }), want: [`${F}.ipBlock.cidr: Invalid value: "10.0.0.1": ${INVALID_CIDR}`] },
  { name: 'an invalid cidr stops before the exceptions', obj: fromBlock({ cidr: '10.0.0.0/33', except: ['nonsense'] }), want: [`${F}.ipBlock.cidr: Invalid value: "10.0.0.0/33": ${INVALID_CIDR}`] },
  { name: 'an invalid exception, and the next one still checked', obj: fromBlock({ cidr: '10.0.0.0/8', except: ['10.1.0.0', '11.0.0.0/16'] }),
    want: [`${F}.ipBlock.except[0]: Invalid value: "10.1.0.0": ${INVALID_CIDR}`, `${F}.ipBlock.except[1]: Invalid value: "11.0.0.0/16": must be a strict subset of \`cidr\``] },
  { name: 'an exception equal to the cidr is no strict subset', obj: fromBlock({ cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] }), want: [`${F}.ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a strict subset of \`cidr\``] },
  { name: 'an exception wider than the cidr', obj: fromBlock({ cidr: '10.1.0.0/16', except: ['10.0.0.0/8'] }), want: [`${F}.ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a strict subset of \`cidr\``] },
  { name: 'an exception of the other family', obj: fromBlock({ cidr: '10.0.0.0/8', except: ['2001:db8::/64'] }), want: [`${F}.ipBlock.except[0]: Invalid value: "2001:db8::/64": must be a strict subset of \`cidr\``] },

  { name: 'policyTypes values', obj: policy({ policyTypes: ['Ingress', 'egress'] }), want: ['spec.policyTypes[1]: Unsupported value: "egress": supported values: "Ingress", "Egress"'] },
  { name: 'more than two policyTypes: one error, values not checked', obj: policy({ policyTypes: ['Ingress', 'Egress', 'Both'] }),
    want: ['spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Both"}: may not specify more than two policyTypes'] },
  { name: 'errors in upstream\'s order: pod selector, ingress (ports, then peers), egress, policy types', obj: policy({
    podSelector: { matchLabels: { 'bad key': 'x' } },
    egress: [{ to: [{}] }],
    ingress: [{ from: [{}], ports: [{ port: 0 }] }],
    policyTypes: ['Sideways'],
  }), want: [
    `spec.podSelector.matchLabels: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`,
    `${P}.port: Invalid value: 0: ${PORT_RANGE}`,
    `${F}: Required value: must specify a peer`,
    'spec.egress[0].to[0]: Required value: must specify a peer',
    'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
  ] },
  { name: 'an update is held to the same rules', obj: onPort({ port: 0 }), old: onPort({ port: 80 }), want: [`${P}.port: Invalid value: 0: ${PORT_RANGE}`] },
  { name: 'wrong JSON types are field errors, never a throw', obj: policy({ ingress: [{ ports: [{ port: true, endPort: 'x' }], from: ['x'] }] }),
    want: [`${P}.endPort: Invalid value: "x": must be an integer`, `${P}.port: Invalid value: true: must be an integer or a string`, `${F}: Invalid value: "x": must be an object`] },
]);

const defaulted = (spec: Json): NetworkPolicy['spec'] => (applyDefaults(policy(spec) as KubeObject) as NetworkPolicy).spec;

test('defaults: no policyTypes is [Ingress], or [Ingress, Egress] when there are egress rules', () => {
  assert.deepEqual(defaulted({}).policyTypes, ['Ingress']);
  assert.deepEqual(defaulted({ egress: [{}] }).policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(defaulted({ egress: [] }).policyTypes, ['Ingress'], 'an empty egress list has no rules');
  assert.deepEqual(defaulted({ policyTypes: [], egress: [{}] }).policyTypes, ['Ingress', 'Egress'], 'an empty list is no choice');
  assert.deepEqual(defaulted({ policyTypes: ['Egress'] }).policyTypes, ['Egress'], 'a choice is kept');
  assert.deepEqual(defaulted({ policyTypes: ['Egress'], ingress: [{}] }).policyTypes, ['Egress']);
});

test('defaults: every port without a protocol, ingress and egress, is TCP; a given one (even "") is kept', () => {
  const spec = defaulted({ ingress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 80 }] }], egress: [{ ports: [{ port: 443 }, { port: 1, protocol: '' }] }] });
  assert.deepEqual(spec.ingress?.[0]?.ports?.map((p) => p.protocol), ['UDP', 'TCP']);
  assert.deepEqual(spec.egress?.[0]?.ports?.map((p) => p.protocol), ['TCP', '']);
});

test('defaults: an absent pod selector (or spec) reads back as {}, every pod of the namespace', () => {
  const np = applyDefaults({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('deny') } as unknown as KubeObject) as NetworkPolicy;
  assert.deepEqual(np.spec, { podSelector: {}, policyTypes: ['Ingress'] });
  assert.deepEqual(defaulted({ podSelector: { matchLabels: { app: 'web' } } }).podSelector, { matchLabels: { app: 'web' } });
});

test('defaults leave a policyTypes of the wrong type for validation to report', () => {
  assert.equal(defaulted({ policyTypes: 'Ingress' }).policyTypes as unknown, 'Ingress');
});

test('isStrictSubnet: inside and smaller, in either family', () => {
  const rows: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '10.255.255.255/32', true],
    ['10.0.0.0/8', '10.0.0.0/8', false],
    ['10.0.0.0/8', '11.0.0.0/16', false],
    ['10.1.0.0/16', '10.0.0.0/8', false],
    // an exception written with host bits counts by its network, as Go's ParseCIDR masks it
    ['10.0.0.0/8', '10.1.2.3/16', true],
    ['10.0.0.5/8', '10.1.0.0/16', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['2001:db8::/32', '2001:db8:ffff::/48', true],
    ['2001:db8::/32', '2001:db9::/48', false],
    ['::/0', '::1/128', true],
    ['::ffff:10.0.0.0/104', '::ffff:10.1.0.0/112', true],
    ['::ffff:10.0.0.0/104', '::ffff:11.0.0.0/112', false],
    ['10.0.0.0/8', '::ffff:10.1.0.0/112', false],
    ['10.0.0.0/8', 'not-a-cidr', false],
  ];
  for (const [outer, inner, want] of rows) assert.equal(isStrictSubnet(outer, inner), want, `${inner} in ${outer}`);
});

test('schema: every NetworkPolicy field upstream has is known; misspellings are reported where they are', () => {
  const unknown = (obj: Json) => unknownFields(schemaOf('NetworkPolicy')!, obj, false);
  assert.deepEqual(unknown(policy({
    podSelector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'k', operator: 'Exists', values: [] }] },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ ports: [{ protocol: 'TCP', port: 80, endPort: 90 }], from: [{ podSelector: {}, namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: [] } }] }],
    egress: [{ ports: [{ port: 'dns' }], to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
  })), []);
  assert.deepEqual(unknown(policy({
    podSelectr: {},
    ingress: [{ ports: [{ prot: 'TCP' }], to: [], from: [{ ipBlock: { cidr: '10.0.0.0/8', exclude: [] } }] }],
    egress: [{ from: [] }],
  })), ['spec.podSelectr', 'spec.ingress[0].ports[0].prot', 'spec.ingress[0].to', 'spec.ingress[0].from[0].ipBlock.exclude', 'spec.egress[0].from']);
  assert.deepEqual(unknown({ ...policy(), status: {} }), ['status'], 'networking/v1 NetworkPolicy has had no status since 1.28');
});
