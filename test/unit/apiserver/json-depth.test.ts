// Request bodies nested deeper than MAX_JSON_DEPTH are a 400 before any
// recursive code sees them (regression: a ConfigMap whose data nested arrays
// 5,000 deep was a 500 "Maximum call stack size exceeded").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../../src/apiserver/json-depth.js';
import { handleResource } from '../../../src/apiserver/handlers.js';
import { readJson, type ApiRequest, type ApiResponse } from '../../../src/apiserver/http-util.js';
import { routeResource } from '../../../src/apiserver/router.js';
import { isApiError } from '../../../src/errors.js';
import { setup } from '../store/registry-fixture.js';

const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const request = (body: string, method = 'POST', url = '/api/v1/namespaces/default/configmaps'): ApiRequest =>
  ({ method, url, contentType: 'application/json', accept: '', body });

test('exceedsJsonDepth: arrays and objects count, brackets in strings do not', () => {
  const rows: [string, number, boolean][] = [
    // [text, max, deeper than max]
    ['{}', 0, true],
    ['{}', 1, false],
    ['[[1],[2]]', 2, false],
    ['[[[1]]]', 2, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[1]}}', 2, true],
    ['{"a":"[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[["}', 1, false], // an escaped quote does not end the string
    ['{"a":"\\\\","b":[[1]]}', 2, true], // an escaped backslash does
    ['"[[[["', 0, false],
    ['[[[[', 3, true], // not JSON: JSON.parse refuses it after
  ];
  for (const [text, max, want] of rows) assert.equal(exceedsJsonDepth(text, max), want, `${text} max ${max}`);
  assert.equal(exceedsJsonDepth(arrays(MAX_JSON_DEPTH)), false);
  assert.equal(exceedsJsonDepth(arrays(MAX_JSON_DEPTH + 1)), true);
});

test('readJson: a body deeper than the limit is 400 with the decoder\'s words; one at the limit is read', () => {
  assert.throws(() => readJson(request(arrays(MAX_JSON_DEPTH + 1))), (e) => isApiError(e, 'BadRequest') && e.httpCode === 400 &&
    e.message === `the body of the request could not be decoded as JSON: exceeded max depth (podnet reads at most ${MAX_JSON_DEPTH} nested arrays and objects)`);
  assert.ok(Array.isArray(readJson(request(arrays(MAX_JSON_DEPTH)))));
});

test('a ConfigMap whose data nests arrays 5,000 deep is a 400 on create and on every patch, not a 500', async () => {
  const { registry } = setup();
  const noAnswer = {} as ApiResponse; // every case below is refused before anything is written
  const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"a":${arrays(5000)}}}`;
  const create = request(deep);
  await assert.rejects(handleResource(registry, create, noAnswer, routeResource('/api/v1/namespaces/default/configmaps')!, new URLSearchParams()),
    (e) => isApiError(e, 'BadRequest') && /exceeded max depth/.test(e.message));
  registry.create(routeResource('/api/v1/namespaces/default/configmaps')!.info, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep' } });
  const url = '/api/v1/namespaces/default/configmaps/deep';
  for (const [type, body] of [
    ['application/merge-patch+json', `{"data":{"a":${arrays(5000)}}}`],
    ['application/strategic-merge-patch+json', `{"data":{"a":${arrays(5000)}}}`],
    ['application/json-patch+json', `[{"op":"add","path":"/data","value":{"a":${arrays(5000)}}}]`],
  ] as const) {
    const patch: ApiRequest = { ...request(body, 'PATCH', url), contentType: type };
    await assert.rejects(handleResource(registry, patch, noAnswer, routeResource(url)!, new URLSearchParams()),
      (e) => isApiError(e, 'BadRequest') && /exceeded max depth/.test(e.message), type);
  }
});
