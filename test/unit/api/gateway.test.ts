// The Gateway API kinds in the API's pure parts: the CRDs' defaults, and
// validation as rows in the words and field paths kubectl prints for a
// cluster with the v1.2 standard CRDs (OpenAPI checks, then CEL rules), and
// what the registry stores and refuses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import { GATEWAY_CLASS, GATEWAY_CONTROLLER_NAME } from '../../../src/config.js';
import { systemManifests } from '../../../src/daemon/system-manifests.js';
import { resourceForName } from '../../../src/api/resources.js';
import type { KubeObject } from '../../../src/api/types.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { isApiError } from '../../../src/errors.js';
import { info, setup } from '../store/registry-fixture.js';
import { meta, table, type Json } from './fixtures.js';

const V1 = 'gateway.networking.k8s.io/v1';
const NOT_CHECKED = '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

const gatewayClass = (spec: Json = {}, metadata: Json = { name: 'podnet' }): Json =>
  ({ apiVersion: V1, kind: 'GatewayClass', metadata, spec: { controllerName: 'podnet.dev/gateway-controller', ...spec } });
const http = { name: 'http', port: 80, protocol: 'HTTP' };
const https = { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'web-tls' }] } };
const gateway = (listeners: Json[] = [http], spec: Json = {}): Json =>
  ({ apiVersion: V1, kind: 'Gateway', metadata: meta('web'), spec: { gatewayClassName: 'podnet', listeners, ...spec } });
const route = (spec: Json = {}): Json => ({ apiVersion: V1, kind: 'HTTPRoute', metadata: meta('web'), spec: { parentRefs: [{ name: 'web' }], ...spec } });
const rule = (extra: Json = {}): Json => ({ backendRefs: [{ name: 'web', port: 80 }], ...extra });
const match = (path: Json): Json => ({ path });
const withRule = (r: Json) => route({ rules: [r] });
const filter = (type: string, body: Json = {}): Json => ({ type, ...body });
const grant = (spec: Json): Json => ({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: meta('allow'), spec });
const defaulted = (o: Json) => applyDefaults(structuredClone(o) as KubeObject) as Json;

test('an HTTPRoute with no rules gets one PathPrefix / rule; parentRefs name a Gateway; namespaces stay unset', () => {
  const r = defaulted(route({ rules: undefined }));
  assert.deepEqual(r.spec.rules, [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  assert.deepEqual(r.spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web' }]);
});

test('HTTPRoute defaults inside a rule: matches, path, headers and query params, backends, redirect status', () => {
  const r = defaulted(withRule({
    matches: [{ headers: [{ name: 'x-env', value: 'canary' }], queryParams: [{ name: 'v', value: '2' }] }, { path: { value: '/api' } }],
    filters: [filter('RequestRedirect', { requestRedirect: { scheme: 'https' } })],
  }));
  const [first, second] = r.spec.rules[0].matches;
  assert.deepEqual(first.path, { type: 'PathPrefix', value: '/' });
  assert.equal(first.headers[0].type, 'Exact');
  assert.equal(first.queryParams[0].type, 'Exact');
  assert.deepEqual(second.path, { type: 'PathPrefix', value: '/api' });
  assert.equal(r.spec.rules[0].filters[0].requestRedirect.statusCode, 302);
  const withoutMatches = defaulted(withRule(rule())).spec.rules[0];
  assert.deepEqual(withoutMatches.matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  assert.deepEqual(withoutMatches.backendRefs, [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }]);
});

test('Gateway defaults: allowedRoutes from Same, tls mode Terminate, a certificate is a core Secret; pending status', () => {
  const g = defaulted(gateway([http, https]));
  assert.deepEqual(g.spec.listeners[0].allowedRoutes, { namespaces: { from: 'Same' } });
  assert.deepEqual(g.spec.listeners[1].tls, { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'web-tls' }] });
  assert.deepEqual(g.status.conditions.map((c: Json) => [c.type, c.status, c.reason]), [['Accepted', 'Unknown', 'Pending'], ['Programmed', 'Unknown', 'Pending']]);
});

table('GatewayClass', [
  { name: 'valid', obj: gatewayClass({ description: 'NGINX' }), want: [] },
  { name: 'controllerName is required', obj: gatewayClass({ controllerName: undefined }), want: ['spec.controllerName: Required value', NOT_CHECKED] },
  {
    name: 'controllerName is a domain-prefixed path',
    obj: gatewayClass({ controllerName: 'podnet' }),
    want: ["spec.controllerName: Invalid value: \"podnet\": spec.controllerName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$'"],
  },
  { name: 'description is at most 64 bytes', obj: gatewayClass({ description: 'x'.repeat(65) }), want: ['spec.description: Too long: must have at most 64 bytes', NOT_CHECKED] },
  {
    name: 'controllerName cannot change',
    obj: gatewayClass({ controllerName: 'example.net/other' }),
    old: gatewayClass(),
    want: ['spec.controllerName: Invalid value: "string": Value is immutable'],
  },
  { name: 'the description can change', obj: gatewayClass({ description: 'new' }), old: gatewayClass(), want: [] },
  { name: 'a spec is required', obj: { apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'x' } }, want: ['spec: Required value', NOT_CHECKED] },
]);

table('Gateway', [
  { name: 'HTTP and HTTPS listeners', obj: gateway([http, https]), want: [] },
  { name: 'gatewayClassName is required', obj: gateway([http], { gatewayClassName: undefined }), want: ['spec.gatewayClassName: Required value', NOT_CHECKED] },
  { name: 'at least one listener', obj: gateway([]), want: ['spec.listeners: Invalid value: 0: spec.listeners in body should have at least 1 items'] },
  { name: 'at most 64 listeners', obj: gateway(Array.from({ length: 65 }, (_, i) => ({ ...http, name: `l${i}`, port: i + 1 }))), want: ['spec.listeners: Too many: 65: must have at most 64 items', NOT_CHECKED] },
  {
    name: 'a port out of range',
    obj: gateway([{ ...http, port: 70000 }]),
    want: ['spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port in body should be less than or equal to 65535'],
  },
  {
    name: 'a listener name is a section name',
    obj: gateway([{ ...http, name: 'HTTP' }]),
    want: ["spec.listeners[0].name: Invalid value: \"HTTP\": spec.listeners[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"],
  },
  {
    name: 'duplicate listener names',
    obj: gateway([http, { ...http, port: 8080 }]),
    want: [
      'spec.listeners[1]: Duplicate value: map[string]interface {}{"name":"http"}',
      'spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway',
    ],
  },
  {
    name: 'two listeners on one port, protocol and hostname',
    obj: gateway([http, { ...http, name: 'other' }]),
    want: ['spec.listeners: Invalid value: "array": Combination of port, protocol and hostname must be unique for each listener'],
  },
  {
    name: 'tls on an HTTP listener',
    obj: gateway([{ ...http, tls: { certificateRefs: [{ name: 'x' }] } }]),
    want: ["spec.listeners: Invalid value: \"array\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"],
  },
  {
    name: 'HTTPS with Passthrough',
    obj: gateway([{ ...https, tls: { mode: 'Passthrough' } }]),
    want: ['spec.listeners: Invalid value: "array": tls mode must be Terminate for protocol HTTPS'],
  },
  {
    name: 'HTTPS Terminate without certificates',
    obj: gateway([{ ...https, tls: { certificateRefs: [] } }]),
    want: ['spec.listeners[0].tls: Invalid value: "object": no such key: options evaluating rule: certificateRefs or options must be specified when mode is Terminate'],
  },
  {
    name: 'a hostname on a TCP listener',
    obj: gateway([{ name: 'tcp', port: 5432, protocol: 'TCP', hostname: 'db.example.com' }]),
    want: ["spec.listeners: Invalid value: \"array\": hostname must not be specified for protocols ['TCP', 'UDP']"],
  },
  {
    name: 'a wildcard hostname is fine, an underscore is not',
    obj: gateway([{ ...http, hostname: '*.example.com' }, { ...http, name: 'b', hostname: 'a_b.example.com' }]),
    want: ["spec.listeners[1].hostname: Invalid value: \"a_b.example.com\": spec.listeners[1].hostname in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"],
  },
  {
    name: 'allowedRoutes from an unknown place',
    obj: gateway([{ ...http, allowedRoutes: { namespaces: { from: 'Elsewhere' } } }]),
    want: ['spec.listeners[0].allowedRoutes.namespaces.from: Unsupported value: "Elsewhere": supported values: "All", "Selector", "Same"', NOT_CHECKED],
  },
]);

table('HTTPRoute', [
  { name: 'two rules', obj: route({ hostnames: ['web.example.com'], rules: [rule({ matches: [match({ type: 'Exact', value: '/a' })] }), rule()] }), want: [] },
  {
    name: 'a path without a leading slash',
    obj: withRule(rule({ matches: [match({ value: 'api' })] })),
    want: ["spec.rules[0].matches[0].path: Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
  },
  {
    name: 'paths that are not normalized',
    obj: withRule(rule({ matches: ['/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a%2Fb', '/a#b', '/a/..', '/a/.'].map((value) => match({ type: 'Exact', value })) })),
    want: [
      "spec.rules[0].matches[0].path: Invalid value: \"object\": must not contain '//' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[1].path: Invalid value: \"object\": must not contain '/./' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[2].path: Invalid value: \"object\": must not contain '/../' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[3].path: Invalid value: \"object\": must not contain '%2f' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[4].path: Invalid value: \"object\": must not contain '%2F' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[5].path: Invalid value: \"object\": must not contain '#' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[5].path: Invalid value: \"object\": must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[6].path: Invalid value: \"object\": must not end with '/..' when type one of ['Exact', 'PathPrefix']",
      "spec.rules[0].matches[7].path: Invalid value: \"object\": must not end with '/.' when type one of ['Exact', 'PathPrefix']",
    ],
  },
  { name: 'a regular expression path is not checked as a path', obj: withRule(rule({ matches: [match({ type: 'RegularExpression', value: '^/v[0-9]+' })] })), want: [] },
  {
    name: 'a weight above a million',
    obj: withRule({ backendRefs: [{ name: 'web', port: 80, weight: 2000000 }] }),
    want: ['spec.rules[0].backendRefs[0].weight: Invalid value: 2000000: spec.rules[0].backendRefs[0].weight in body should be less than or equal to 1000000'],
  },
  { name: 'a Service backend needs a port', obj: withRule({ backendRefs: [{ name: 'web' }] }), want: ['spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference'] },
  {
    name: 'a header name is an RFC 7230 token, and a method one of HTTP\'s',
    obj: withRule(rule({ matches: [{ headers: [{ name: 'x:y', value: '1' }], method: 'FETCH' }] })),
    want: [
      "spec.rules[0].matches[0].headers[0].name: Invalid value: \"x:y\": spec.rules[0].matches[0].headers[0].name in body should match '^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$'",
      'spec.rules[0].matches[0].method: Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"',
      NOT_CHECKED,
    ],
  },
  {
    name: 'a header matched twice',
    obj: withRule(rule({ matches: [{ headers: [{ name: 'x', value: '1' }, { name: 'x', value: '2' }] }] })),
    want: ['spec.rules[0].matches[0].headers[1]: Duplicate value: map[string]interface {}{"name":"x"}'],
  },
  { name: 'at most 16 rules', obj: route({ rules: Array.from({ length: 17 }, () => rule()) }), want: ['spec.rules: Too many: 17: must have at most 16 items', NOT_CHECKED] },
  { name: 'at most 16 hostnames', obj: route({ hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }), want: ['spec.hostnames: Too many: 17: must have at most 16 items', NOT_CHECKED] },
  {
    name: 'at most 32 parentRefs',
    obj: route({ parentRefs: Array.from({ length: 33 }, (_, i) => ({ name: `g${i}` })) }),
    want: ['spec.parentRefs: Too many: 33: must have at most 32 items', NOT_CHECKED],
  },
  {
    name: 'at most 64 matches in a rule',
    obj: withRule(rule({ matches: Array.from({ length: 65 }, (_, i) => match({ value: `/p${i}` })) })),
    want: ['spec.rules[0].matches: Too many: 65: must have at most 64 items', NOT_CHECKED],
  },
  {
    name: 'at most 128 matches in a route',
    obj: route({ rules: [0, 1, 2].map((r) => rule({ matches: Array.from({ length: 43 }, (_, i) => match({ value: `/r${r}/${i}` })) })) }),
    want: ['spec.rules: Invalid value: "array": While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128'],
  },
  {
    name: 'the same Gateway twice without sectionName',
    obj: route({ parentRefs: [{ name: 'web' }, { name: 'web' }] }),
    want: ['spec.parentRefs: Invalid value: "array": sectionName must be unique when parentRefs includes 2 or more references to the same parent'],
  },
  {
    name: 'the same Gateway once with and once without sectionName',
    obj: route({ parentRefs: [{ name: 'web' }, { name: 'web', sectionName: 'http' }] }),
    want: ['spec.parentRefs: Invalid value: "array": sectionName must be specified when parentRefs includes 2 or more references to the same parent'],
  },
  { name: 'two listeners of one Gateway', obj: route({ parentRefs: [{ name: 'web', sectionName: 'http' }, { name: 'web', sectionName: 'https' }] }), want: [] },
  {
    name: 'a filter type without its field, and a field of another type',
    obj: withRule(rule({ filters: [filter('RequestHeaderModifier', { urlRewrite: { hostname: 'x.example.com' } })] })),
    want: [
      'spec.rules[0].filters[0]: Invalid value: "object": filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
      'spec.rules[0].filters[0]: Invalid value: "object": filter.urlRewrite must be nil if the filter.type is not URLRewrite',
    ],
  },
  {
    name: 'a redirect and a rewrite in one rule',
    obj: withRule({
      filters: [filter('RequestRedirect', { requestRedirect: { scheme: 'https' } }), filter('URLRewrite', { urlRewrite: { hostname: 'b.example.com' } })],
    }),
    want: ['spec.rules[0].filters: Invalid value: "array": May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both'],
  },
  {
    name: 'a redirect with backends',
    obj: withRule(rule({ filters: [filter('RequestRedirect', { requestRedirect: { scheme: 'https' } })] })),
    want: ['spec.rules[0]: Invalid value: "object": RequestRedirect filter must not be used together with backendRefs'],
  },
  {
    name: 'ReplacePrefixMatch needs one PathPrefix match',
    obj: withRule(rule({
      matches: [match({ type: 'Exact', value: '/old' })],
      filters: [filter('URLRewrite', { urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } })],
    })),
    want: ['spec.rules[0]: Invalid value: "object": When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'],
  },
  {
    name: 'a redirect: status 301 or 302, port in range, scheme http or https',
    obj: withRule({ filters: [filter('RequestRedirect', { requestRedirect: { statusCode: 307, port: 0, scheme: 'ftp' } })] }),
    want: [
      'spec.rules[0].filters[0].requestRedirect.scheme: Unsupported value: "ftp": supported values: "http", "https"',
      'spec.rules[0].filters[0].requestRedirect.port: Invalid value: 0: spec.rules[0].filters[0].requestRedirect.port in body should be greater than or equal to 1',
      'spec.rules[0].filters[0].requestRedirect.statusCode: Unsupported value: 307: supported values: "301", "302"',
      NOT_CHECKED,
    ],
  },
  {
    name: 'a path modifier whose type and field disagree',
    obj: withRule(rule({ filters: [filter('URLRewrite', { urlRewrite: { path: { type: 'ReplaceFullPath', replacePrefixMatch: '/x' } } })] })),
    want: [
      "spec.rules[0].filters[0].urlRewrite.path: Invalid value: \"object\": replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
      "spec.rules[0].filters[0].urlRewrite.path: Invalid value: \"object\": type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
    ],
  },
  {
    name: 'a backend timeout longer than the request timeout',
    obj: withRule(rule({ timeouts: { request: '10s', backendRequest: '1m' } })),
    want: ['spec.rules[0].timeouts: Invalid value: "object": backendRequest timeout cannot be longer than request timeout'],
  },
]);

table('ReferenceGrant', [
  { name: 'from HTTPRoutes to Services', obj: grant({ from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service' }] }), want: [] },
  {
    name: 'from and to are required',
    obj: grant({}),
    want: ['spec.from: Required value', 'spec.to: Required value', NOT_CHECKED],
  },
  {
    name: 'at least one of each',
    obj: grant({ from: [], to: [] }),
    want: ['spec.from: Invalid value: 0: spec.from in body should have at least 1 items', 'spec.to: Invalid value: 0: spec.to in body should have at least 1 items'],
  },
]);

test('the kinds are found by their short names and are in no category but gateway-api', () => {
  assert.equal(resourceForName('gc')?.kind, 'GatewayClass');
  assert.equal(resourceForName('gtw')?.kind, 'Gateway');
  assert.equal(resourceForName('refgrant')?.kind, 'ReferenceGrant');
  for (const name of ['gc', 'gtw', 'httproutes', 'refgrant']) assert.deepEqual(resourceForName(name)?.categories, ['gateway-api']);
});

test('discovery: the group serves v1 (preferred) and v1beta1, ReferenceGrant only in v1beta1', () => {
  const group = discoveryDocument('/apis/gateway.networking.k8s.io') as Json;
  assert.deepEqual(group.versions.map((v: Json) => v.version), ['v1', 'v1beta1']);
  assert.equal(group.preferredVersion.version, 'v1');
  const v1 = discoveryDocument('/apis/gateway.networking.k8s.io/v1') as Json;
  assert.deepEqual(v1.resources.map((r: Json) => r.name), ['gatewayclasses', 'gatewayclasses/status', 'gateways', 'gateways/status', 'httproutes', 'httproutes/status']);
  const beta = discoveryDocument('/apis/gateway.networking.k8s.io/v1beta1') as Json;
  assert.deepEqual(beta.resources.map((r: Json) => r.name), ['referencegrants']);
});

test('the registry stores a Gateway with its pending status, and refuses an invalid one whole', () => {
  const { registry } = setup();
  const stored = registry.create(info('gateways'), 'default', gateway([http, https]) as KubeObject).object as Json;
  assert.deepEqual(stored.status.conditions.map((c: Json) => c.type), ['Accepted', 'Programmed']);
  assert.throws(() => registry.create(info('gateways'), 'default', { ...gateway([http, http]), metadata: meta('bad') } as KubeObject), (e) => isApiError(e, 'Invalid')
    && e.message.startsWith('Gateway.gateway.networking.k8s.io "bad" is invalid: [spec.listeners[1]: Duplicate value'));
  assert.throws(() => registry.update(info('gatewayclasses'), undefined, 'podnet', gatewayClass() as KubeObject));
  registry.create(info('gatewayclasses'), undefined, gatewayClass() as KubeObject);
  assert.throws(() => registry.update(info('gatewayclasses'), undefined, 'podnet', gatewayClass({ controllerName: 'example.net/x' }) as KubeObject),
    (e) => isApiError(e, 'Invalid') && e.message.endsWith('spec.controllerName: Invalid value: "string": Value is immutable'));
});

test('an HTTPRoute is created without the status it was sent with', () => {
  const { registry } = setup();
  const stored = registry.create(info('httproutes'), 'default', { ...route(), status: { parents: [] } } as Json as KubeObject).object as Json;
  assert.equal(stored.status, undefined);
  assert.equal(stored.spec.rules[0].matches[0].path.value, '/');
});

test('up makes the GatewayClass podnet, named for the gateway controller, beside the IngressClass nginx', () => {
  const made = systemManifests().filter((o) => o.kind === 'GatewayClass' || o.kind === 'IngressClass') as Json[];
  assert.deepEqual(made.map((o) => o.metadata.name), ['nginx', GATEWAY_CLASS]);
  assert.equal(made[1]!.spec.controllerName, GATEWAY_CONTROLLER_NAME);
  assert.match(made[1]!.spec.description, /NGINX/);
});
