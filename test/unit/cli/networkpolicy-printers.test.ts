// `podnet get networkpolicy` and `podnet describe networkpolicy`, against
// the text kubectl prints (printers.go printNetworkPolicy, describe.go
// describeNetworkPolicy), at a fixed clock and zone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicy } from '../../../src/api/types.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { goTimeString } from '../../../src/cli/printers/age.js';
import { formatLabelSelector } from '../../../src/cli/printers/selectors.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const policy = (name: string, spec: NetworkPolicy['spec'], extra: Partial<NetworkPolicy['metadata']> = {}): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
  metadata: { name, namespace: 'default', creationTimestamp: ago(7200), ...extra },
  spec,
});

/** The concepts page's test-network-policy, as the API server returns it (defaulted). */
const TEST_POLICY = policy('test-network-policy', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{
    from: [
      { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
      { namespaceSelector: { matchLabels: { project: 'myproject' } } },
      { podSelector: { matchLabels: { role: 'frontend' } } },
    ],
    ports: [{ protocol: 'TCP', port: 6379 }],
  }],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
});

test('formatLabelSelector: <none> for an empty or missing selector, else the sorted requirements', () => {
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }] }), 'app in (a,b)');
  assert.equal(formatLabelSelector({ matchLabels: { tier: 'db' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }, { key: 'canary', operator: 'Exists' }] }),
    'app notin (x),canary,tier=db');
});

test('goTimeString: Go\'s time.String() in the local zone; a missing time is Go\'s zero time', () => {
  assert.equal(goTimeString('2026-11-29T13:41:42Z'), '2026-11-29 13:41:42 +0000 UTC');
  assert.equal(goTimeString('2026-11-29T13:41:42.250Z'), '2026-11-29 13:41:42.25 +0000 UTC');
  assert.equal(goTimeString(undefined), '0001-01-01 00:00:00 +0000 UTC');
});

test('get networkpolicy: NAME POD-SELECTOR AGE, -A adds NAMESPACE', () => {
  const all = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] }, { creationTimestamp: ago(45) });
  const web = policy('web', { podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, policyTypes: ['Ingress'] });
  assert.equal(printTable('NetworkPolicy', [all, web, TEST_POLICY], { now: NOW }), lines(
    'NAME                  POD-SELECTOR                   AGE',
    'default-deny          <none>                         45s',
    'web                   app=web,tier in (edge,front)   120m',
    'test-network-policy   role=db                        120m',
  ));
  assert.equal(printTable('NetworkPolicy', [all], { now: NOW, allNamespaces: true, wide: true }), lines(
    'NAMESPACE   NAME           POD-SELECTOR   AGE',
    'default     default-deny   <none>         45s',
  ));
});

test('describe networkpolicy: the concepts page\'s policy, both directions, a peer of each kind', () => {
  assert.equal(describe(TEST_POLICY, [], {}, NOW), lines(
    'Name:         test-network-policy',
    'Namespace:    default',
    'Created on:   2024-05-01 10:00:00 +0000 UTC',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Spec:',
    '  PodSelector:     role=db',
    '  Allowing ingress traffic:',
    '    To Port: 6379/TCP',
    '    From:',
    '      IPBlock:',
    '        CIDR: 172.17.0.0/16',
    '        Except: 172.17.1.0/24',
    '    From:',
    '      NamespaceSelector: project=myproject',
    '    From:',
    '      PodSelector: role=frontend',
    '  Allowing egress traffic:',
    '    To Port: 5978/TCP',
    '    To:',
    '      IPBlock:',
    '        CIDR: 10.0.0.0/24',
    '        Except: ',
    '  Policy Types: Ingress, Egress',
  ));
});

test('describe networkpolicy: deny all ingress, egress untouched, no events section', () => {
  const deny = policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }, { labels: { team: 'net' } });
  assert.equal(describe(deny, [], {}, NOW), lines(
    'Name:         default-deny-ingress',
    'Namespace:    default',
    'Created on:   2024-05-01 10:00:00 +0000 UTC',
    'Labels:       team=net',
    'Annotations:  <none>',
    'Spec:',
    '  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)',
    '  Allowing ingress traffic:',
    '    <none> (Selected pods are isolated for ingress connectivity)',
    '  Not affecting egress traffic',
    '  Policy Types: Ingress',
  ));
});

test('describe networkpolicy: several rules, any port or peer, ranges, named ports, both selectors on one peer', () => {
  const np = policy('mixed', {
    podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] },
    policyTypes: ['Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [
      {},
      { ports: [{ protocol: 'UDP', port: 'dns' }, { protocol: 'TCP', port: 32000, endPort: 32768 }, { protocol: 'SCTP' }],
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] },
    ],
  });
  assert.equal(describe(np, undefined, {}, NOW), lines(
    'Name:         mixed',
    'Namespace:    default',
    'Created on:   2024-05-01 10:00:00 +0000 UTC',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Spec:',
    '  PodSelector:     app in (cache,db)',
    '  Not affecting ingress traffic',
    '  Allowing egress traffic:',
    '    To Port: <any> (traffic allowed to all ports)',
    '    To: <any> (traffic not restricted by destination)',
    '    ----------',
    '    To Port: dns/UDP',
    '    To Port Range: 32000-32768/TCP',
    '    To Port: <nil>/SCTP',
    '    To:',
    '      NamespaceSelector: kubernetes.io/metadata.name=kube-system',
    '      PodSelector: k8s-app=kube-dns',
    '  Policy Types: Egress',
  ));
});

test('describe networkpolicy: an ingress rule without peers, and no policy types at all', () => {
  const np = policy('open', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }] });
  const text = describe(np, undefined, {}, NOW);
  assert.match(text, /\n {2}Not affecting ingress traffic\n {2}Not affecting egress traffic\n {2}Policy Types: <none>\n$/);
  const typed = describe({ ...np, spec: { ...np.spec, policyTypes: ['Ingress'] } }, undefined, {}, NOW);
  assert.match(typed, /\n {4}To Port: 80\/TCP\n {4}From: <any> \(traffic not restricted by source\)\n/);
});

test('get with no type names networkpolicies among the kinds to ask for', () => {
  assert.throws(() => parseTargets([]), /\|ingressclasses\|networkpolicies\|secrets\|/);
  assert.equal(parseTargets(['netpol'])[0]?.resource.kind, 'NetworkPolicy');
});
