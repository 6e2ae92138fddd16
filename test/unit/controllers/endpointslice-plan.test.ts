// Regression: slices were re-sorted and re-chunked on every sync, so with 110
// pods a new pod `aaa` moved an endpoint from the first slice to the second
// and both were rewritten (every node's proxy and the DNS re-read each). Rows
// of existing slices + desired endpoints → writes, as upstream's reconciler
// plans them; three endpoints a slice, so the rows stay short.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointPort } from '../../../src/api/types.js';
import { planSlices, type ExistingSlice, type SlicePlan } from '../../../src/controllers/endpointslice-plan.js';
import { desiredEndpoints, desiredSlices, endpointForPod, MAX_ENDPOINTS_PER_SLICE } from '../../../src/controllers/endpointslice.js';
import { pod, service } from './fixtures.js';

const HTTP: EndpointPort[] = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const ALT: EndpointPort[] = [{ name: 'http', port: 9090, protocol: 'TCP' }];

/** `d!` is pod d not ready */
const ep = (word: string): Endpoint => {
  const name = word.replace('!', '');
  return { addresses: [`10.244.0.${name.charCodeAt(0)}`], conditions: { ready: !word.endsWith('!') }, targetRef: { kind: 'Pod', namespace: 'default', name } };
};
const eps = (words: string) => words.split(' ').filter(Boolean).map(ep);
const names = (list: Endpoint[]) => list.map((e) => e.targetRef!.name + (e.conditions?.ready ? '' : '!')).join(' ');

interface Row {
  name: string;
  existing: Record<string, string>;
  desired: string;
  ports?: EndpointPort[];
  existingPorts?: EndpointPort[];
  want: { create?: string[]; update?: Record<string, string>; delete?: string[]; unchanged?: string[] };
}

const rows: Row[] = [
  { name: 'a new pod fills the slice with room; the full one is not written', existing: { s1: 'a b c', s2: 'd' }, desired: 'a b c d e', want: { update: { s2: 'd e' }, unchanged: ['s1'] } },
  { name: 'a pod whose name sorts first joins the slice with room: nothing moves', existing: { s1: 'b c d', s2: 'e' }, desired: 'aaa b c d e', want: { update: { s2: 'e aaa' }, unchanged: ['s1'] } },
  { name: 'a pod gone is taken out of its own slice only', existing: { s1: 'a b c', s2: 'd e' }, desired: 'a c d e', want: { update: { s1: 'a c' }, unchanged: ['s2'] } },
  { name: 'a slice left empty is deleted; no rebalancing', existing: { s1: 'a b c', s2: 'd', s3: 'e' }, desired: 'a b e', want: { update: { s1: 'a b' }, delete: ['s2'], unchanged: ['s3'] } },
  { name: 'a changed condition is updated where the endpoint is', existing: { s1: 'a b c', s2: 'd' }, desired: 'a b c d!', want: { update: { s2: 'd!' }, unchanged: ['s1'] } },
  { name: 'new endpoints go first to slices written anyway, the fullest first', existing: { s1: 'a b c', s2: 'd', s3: 'e' }, desired: 'a b d! e f', want: { update: { s1: 'a b f', s2: 'd!' }, unchanged: ['s3'] } },
  { name: 'no room anywhere: a new slice', existing: { s1: 'a b c', s2: 'd e f' }, desired: 'a b c d e f g h', want: { create: ['g h'], unchanged: ['s1', 's2'] } },
  { name: 'fewer than a slice\'s worth: the fullest unchanged slice they fit in', existing: { s1: 'a', s2: 'b c' }, desired: 'a b c d', want: { update: { s2: 'b c d' }, unchanged: ['s1'] } },
  { name: 'a slice\'s worth or more: new slices first, the rest where it fits', existing: { s1: 'a' }, desired: 'a b c d e', want: { create: ['b c d'], update: { s1: 'a e' } } },
  { name: 'the ports changed: the old slice is rewritten, not deleted and created', existing: { s1: 'a b' }, desired: 'a b', ports: ALT, want: { update: { s1: 'a b' } } },
  { name: 'from nothing: full slices in order', existing: {}, desired: 'a b c d e f g', want: { create: ['a b c', 'd e f', 'g'] } },
  { name: 'nothing left: the last slice becomes the placeholder', existing: { s1: 'a', s2: 'b' }, desired: '', want: { update: { s1: '' }, delete: ['s2'] } },
];

for (const row of rows) {
  test(`planSlices: ${row.name}`, () => {
    const existing: ExistingSlice[] = Object.entries(row.existing).map(([name, words]) => ({ name, ports: row.existingPorts ?? HTTP, endpoints: eps(words) }));
    const desired = row.desired ? [{ ports: row.ports ?? HTTP, endpoints: eps(row.desired) }] : [];
    const plan: SlicePlan = planSlices(existing, desired, 3);
    assert.deepEqual({
      create: plan.create.map((s) => names(s.endpoints)),
      update: Object.fromEntries(plan.update.map((s) => [s.name, names(s.endpoints)])),
      delete: plan.delete,
      unchanged: plan.unchanged,
    }, { create: [], update: {}, delete: [], unchanged: [], ...row.want });
    for (const s of [...plan.create, ...plan.update]) assert.deepEqual(s.ports, s.endpoints.length ? row.ports ?? HTTP : [], 'the placeholder has no ports');
  });
}

test('planSlices: the placeholder a Service without endpoints has is kept, not rewritten', () => {
  assert.deepEqual(planSlices([{ name: 's1', ports: [], endpoints: [] }], [], 3), { create: [], update: [], delete: [], unchanged: ['s1'] });
  assert.deepEqual(planSlices([], [], 3), { create: [{ ports: [], endpoints: [] }], update: [], delete: [], unchanged: [] });
});

test(`110 pods, then pod aaa: one write, to the slice with room (${MAX_ENDPOINTS_PER_SLICE} a slice)`, () => {
  const svc = service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const pods = Array.from({ length: 110 }, (_, i) => pod(`p${String(i + 1).padStart(3, '0')}`, { labels: { app: 'web' }, ready: true, ip: `10.244.${Math.floor(i / 200)}.${(i % 200) + 2}` }));
  const first = desiredSlices(svc, pods);
  assert.deepEqual(first.map((s) => s.endpoints.length), [100, 10]);
  const existing = first.map((s, i) => ({ name: `web-${i + 1}`, ...s }));
  const added = pod('aaa', { labels: { app: 'web' }, ready: true, ip: '10.244.1.2' });
  const plan = planSlices(existing, desiredEndpoints(svc, [...pods, added]), MAX_ENDPOINTS_PER_SLICE);
  assert.deepEqual(plan.unchanged, ['web-1']);
  assert.deepEqual(plan.update.map((s) => [s.name, s.endpoints.length, s.endpoints.at(-1)!.targetRef!.name]), [['web-2', 11, 'aaa']]);
  assert.deepEqual([plan.create, plan.delete], [[], []]);
  // and the endpoint, once there, is exactly what endpointForPod makes of the pod
  assert.deepEqual(plan.update[0]!.endpoints.at(-1), endpointForPod(svc, added));
});
