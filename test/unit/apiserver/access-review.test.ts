// Regression: `kubectl auth can-i` failed with 404 because podnet did not serve
// authorization.k8s.io. The reviews it creates, answered as a server that
// allows everything answers them; their discovery and OpenAPI entries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALLOWED_REASON, createReview, routeReview, SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_RULES_REVIEW } from '../../../src/apiserver/access-review.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { openApiDocument } from '../../../src/apiserver/openapi.js';
import { ApiError } from '../../../src/errors.js';

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
const SSRR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

const post = (body: unknown, method = 'POST') => ({ method, url: '', contentType: 'application/json', accept: '', body: body === undefined ? '' : JSON.stringify(body) });
const ssar = (spec: unknown, extra: object = {}) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, spec, ...extra });

/** The error's code and message, or the answer */
function run(info = SELF_SUBJECT_ACCESS_REVIEW, body: unknown, query = '', method = 'POST'): { code: number; message?: string; answer?: Record<string, unknown>; warnings?: string[] } {
  try {
    const { json, warnings } = createReview(info, post(body, method), new URLSearchParams(query));
    return { code: 201, answer: JSON.parse(json) as Record<string, unknown>, ...(warnings ? { warnings } : {}) };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { code: e.httpCode, message: e.status.message };
  }
}

test('what `kubectl auth can-i create deployments` sends is allowed, echoed with its spec', () => {
  const spec = { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } };
  const r = run(SELF_SUBJECT_ACCESS_REVIEW, ssar(spec));
  assert.equal(r.code, 201);
  assert.deepEqual(r.answer, {
    kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
    spec, status: { allowed: true, reason: ALLOWED_REASON },
  });
});

test('a non-resource URL (`kubectl auth can-i get /logs`) is allowed too; kind and apiVersion may be left out', () => {
  const r = run(SELF_SUBJECT_ACCESS_REVIEW, { spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } } });
  assert.equal(r.code, 201);
  assert.deepEqual(r.answer?.status, { allowed: true, reason: ALLOWED_REASON });
  assert.equal(r.answer?.kind, 'SelfSubjectAccessReview');
});

test('`kubectl auth can-i --list`: one rule allowing everything, complete; the spec is not echoed (upstream answers status only)', () => {
  const r = run(SELF_SUBJECT_RULES_REVIEW, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: { creationTimestamp: null }, spec: { namespace: 'default' } });
  assert.equal(r.code, 201);
  assert.deepEqual(r.answer, {
    kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: {},
    status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false },
  });
});

const refusals: { why: string; info?: typeof SELF_SUBJECT_ACCESS_REVIEW; body: unknown; query?: string; method?: string; code: number; message: string | RegExp }[] = [
  { why: 'neither attribute set', body: ssar({}), code: 422, message: 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' },
  { why: 'no spec at all', body: ssar(undefined), code: 422, message: /exactly one of nonResourceAttributes or resourceAttributes must be specified/ },
  {
    why: 'both attribute sets', body: ssar({ resourceAttributes: { verb: 'get', resource: 'pods' }, nonResourceAttributes: { path: '/x', verb: 'get' } }), code: 422,
    message: 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: cannot be specified in combination with resourceAttributes',
  },
  { why: 'a named review (metadata must be empty)', body: ssar({ resourceAttributes: { verb: 'get' } }, { metadata: { name: 'mine' } }), code: 422, message: /is invalid: metadata: Invalid value: .*"name":"mine".*: must be empty/ },
  { why: 'another kind in the body', body: { ...ssar({ resourceAttributes: { verb: 'get' } }), kind: 'SelfSubjectRulesReview' }, code: 400, message: 'the kind in the data (SelfSubjectRulesReview) does not match the expected kind (SelfSubjectAccessReview)' },
  { why: 'another API version in the body', body: { ...ssar({ resourceAttributes: { verb: 'get' } }), apiVersion: 'authorization.k8s.io/v1beta1' }, code: 400, message: 'the API version in the data (authorization.k8s.io/v1beta1) does not match the expected API version (authorization.k8s.io/v1)' },
  { why: 'metadata that is no object', body: ssar({ resourceAttributes: { verb: 'get' } }, { metadata: 'mine' }), code: 400, message: /cannot unmarshal string into Go struct field SelfSubjectAccessReview.metadata of type v1.ObjectMeta$/ },
  { why: 'no body', body: undefined, code: 400, message: 'the request body must be a JSON object' },
  { why: 'an attribute of the wrong JSON type', body: ssar({ resourceAttributes: { verb: 7 } }), code: 400, message: 'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot unmarshal number into Go struct field SelfSubjectAccessReview.spec.resourceAttributes.verb of type string' },
  { why: 'an unknown field under Strict (what kubectl create sends)', body: ssar({ resourceAttributes: { verb: 'get', verbb: 'x' } }), query: 'fieldValidation=Strict', code: 400, message: 'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: strict decoding error: unknown field "spec.resourceAttributes.verbb"' },
  { why: 'a dryRun value other than All', body: ssar({ resourceAttributes: { verb: 'get' } }), query: 'dryRun=Some', code: 400, message: 'dryRun: Unsupported value: "Some": supported values: "All"' },
  { why: 'GET on the collection: create is the only verb', body: undefined, method: 'GET', code: 405, message: /does not allow this method/ },
  { why: 'a rules review without a namespace', info: SELF_SUBJECT_RULES_REVIEW, body: { spec: {} }, code: 400, message: 'no namespace on request' },
];
for (const row of refusals) {
  test(`refused: ${row.why}`, () => {
    const r = run(row.info, row.body, row.query, row.method);
    assert.equal(r.code, row.code, JSON.stringify(r));
    if (typeof row.message === 'string') assert.equal(r.message, row.message);
    else assert.match(r.message ?? '', row.message);
  });
}

test('unknown fields are dropped from the echo and reported under Warn (the default), dropped silently under Ignore', () => {
  const body = () => ssar({ resourceAttributes: { verb: 'get', resource: 'pods', colour: 'blue' } });
  const warned = run(SELF_SUBJECT_ACCESS_REVIEW, body());
  assert.deepEqual(warned.warnings, ['unknown field "spec.resourceAttributes.colour"']);
  assert.deepEqual(warned.answer?.spec, { resourceAttributes: { verb: 'get', resource: 'pods' } });
  const ignored = run(SELF_SUBJECT_ACCESS_REVIEW, body(), 'fieldValidation=Ignore');
  assert.equal(ignored.warnings, undefined);
  assert.equal(ignored.code, 201);
});

test('routes: the two collections; anything else under the group is 404; discovery paths fall through', () => {
  assert.equal(routeReview(SSAR_PATH), SELF_SUBJECT_ACCESS_REVIEW);
  assert.equal(routeReview(SSRR_PATH), SELF_SUBJECT_RULES_REVIEW);
  for (const p of ['/apis/authorization.k8s.io', '/apis/authorization.k8s.io/v1', '/api/v1/pods', '/apis/apps/v1/deployments']) assert.equal(routeReview(p), undefined, p);
  for (const p of [`${SSAR_PATH}/mine`, '/apis/authorization.k8s.io/v1/subjectaccessreviews', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', '/apis/authorization.k8s.io/v1beta1/selfsubjectaccessreviews']) {
    assert.throws(() => routeReview(p), (e: unknown) => e instanceof ApiError && e.httpCode === 404, p);
  }
});

test('discovery: the group in /apis, its APIGroup, and an APIResourceList with only the create verb', () => {
  const apis = discoveryDocument('/apis') as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
  const group = apis.groups.find((g) => g.name === 'authorization.k8s.io');
  assert.equal(group?.preferredVersion.groupVersion, 'authorization.k8s.io/v1');
  assert.deepEqual(discoveryDocument('/apis/authorization.k8s.io'), { kind: 'APIGroup', apiVersion: 'v1', ...group });
  assert.deepEqual(discoveryDocument('/apis/authorization.k8s.io/v1'), {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'authorization.k8s.io/v1',
    resources: [
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
    ],
  });
});

test('OpenAPI: the group version\'s document has a POST per review and no other operation', () => {
  const doc = JSON.parse(openApiDocument('/openapi/v3/apis/authorization.k8s.io/v1')!) as { paths: Record<string, Record<string, unknown>> };
  assert.deepEqual(Object.keys(doc.paths), [SSAR_PATH, SSRR_PATH]);
  for (const item of Object.values(doc.paths)) assert.deepEqual(Object.keys(item).sort(), ['parameters', 'post']);
});
