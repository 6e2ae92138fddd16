// The DefaultIngressClass admission plugin as rows: which class a new Ingress is given.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from '../../../src/api/types.js';
import { admitIngressClass } from '../../../src/api/default-ingress-class.js';

const cls = (name: string, isDefault: boolean, created = '2026-01-01T00:00:00Z'): IngressClass => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: 'k8s.io/ingress-nginx' },
});
const ing = (spec: Ingress['spec'] = {}, annotations?: Record<string, string>): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec,
});

const rows: [string, Ingress, IngressClass[], string | undefined][] = [
  ['no class: the default one', ing(), [cls('nginx', true), cls('other', false)], 'nginx'],
  ['a class named: kept', ing({ ingressClassName: 'other' }), [cls('nginx', true)], 'other'],
  ['the deprecated annotation: left as it is', ing({}, { 'kubernetes.io/ingress.class': 'nginx' }), [cls('other', true)], undefined],
  ['an empty annotation counts as set', ing({}, { 'kubernetes.io/ingress.class': '' }), [cls('other', true)], undefined],
  ['no default class: none', ing(), [cls('nginx', false)], undefined],
  ['two defaults: the newest', ing(), [cls('old', true, '2026-01-01T00:00:00Z'), cls('new', true, '2026-02-01T00:00:00Z')], 'new'],
];

for (const [why, ingress, classes, want] of rows) {
  test(`DefaultIngressClass: ${why}`, () => {
    admitIngressClass(ingress, classes);
    assert.equal(ingress.spec?.ingressClassName, want);
  });
}
