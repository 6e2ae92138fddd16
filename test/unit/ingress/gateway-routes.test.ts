import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway, GatewayClass, HTTPRoute, HTTPRouteRule, Listener, ParentReference, ReferenceGrant } from '../../../src/api/gateway-types.js';
import type { Condition, EndpointSlice, Namespace, Service } from '../../../src/api/types.js';
import { SERVICE_NAME_LABEL, type ServiceIndex } from '../../../src/ingress/backends.js';
import { translateGateways, type GatewayInput, type GatewayTranslation } from '../../../src/ingress/gateway-routes.js';
import { buildRouteTable, matchRoute } from '../../../src/ingress/route-table.js';
import { renderNginxConf } from '../../../src/ingress/nginx-conf.js';
import { FAKE_CERT, FAKE_KEY, TEST_CERT, TEST_KEY, service, slice, tlsSecret } from './fixtures.js';

const CONTROLLER = 'podnet.dev/gateway-controller';
const NOW = '2025-06-01T00:00:00Z';
const EARLIER = '2025-01-01T00:00:00Z';
const G = 'gateway.networking.k8s.io';

const ourClass = (name = 'podnet', controllerName = CONTROLLER): GatewayClass =>
  ({ apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name, generation: 1 }, spec: { controllerName } });

const HTTP: Listener = { name: 'http', port: 80, protocol: 'HTTP' };
const HTTPS: Listener = { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } };

function gateway(name: string, listeners: Listener[], opts: { ns?: string; className?: string; created?: string; addresses?: Gateway['spec']['addresses'] } = {}): Gateway {
  return {
    apiVersion: `${G}/v1`, kind: 'Gateway',
    metadata: { name, namespace: opts.ns ?? 'default', generation: 2, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z' },
    spec: { gatewayClassName: opts.className ?? 'podnet', listeners, ...(opts.addresses ? { addresses: opts.addresses } : {}) },
  };
}

function route(name: string, opts: { ns?: string; created?: string; parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[]; status?: HTTPRoute['status'] } = {}): HTTPRoute {
  return {
    apiVersion: `${G}/v1`, kind: 'HTTPRoute',
    metadata: { name, namespace: opts.ns ?? 'default', generation: 3, creationTimestamp: opts.created ?? '2024-02-01T00:00:00Z' },
    spec: {
      parentRefs: opts.parentRefs ?? [{ name: 'gw' }],
      ...(opts.hostnames ? { hostnames: opts.hostnames } : {}),
      rules: opts.rules ?? [{ backendRefs: [{ name: 'web', port: 80 }] }],
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

const namespace = (name: string, labels: Record<string, string> = {}): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

function grant(ns: string, from: { kind: string; namespace: string }, to: { kind: string; name?: string }): ReferenceGrant {
  return {
    apiVersion: `${G}/v1beta1`, kind: 'ReferenceGrant', metadata: { name: `grant-${from.namespace}`, namespace: ns },
    spec: { from: [{ group: G, ...from }], to: [{ group: '', ...to }] },
  };
}

function indexOf(services: readonly Service[], slices: readonly EndpointSlice[]): ServiceIndex {
  return {
    service: (ns, name) => services.find((s) => (s.metadata.namespace ?? 'default') === ns && s.metadata.name === name),
    slices: (ns, name) => slices.filter((s) => (s.metadata.namespace ?? 'default') === ns && s.metadata.labels?.[SERVICE_NAME_LABEL] === name),
  };
}

const SERVICES = [service('web'), service('api'), service('web', { ns: 'other' })];
const SLICES = [slice('web', ['10.244.0.2']), slice('api', ['10.244.0.3']), slice('web', ['10.244.1.2'], { ns: 'other' })];

function translate(extra: Partial<GatewayInput> = {}): GatewayTranslation {
  return translateGateways({
    gatewayClasses: [ourClass()], gateways: [gateway('gw', [HTTP])], httpRoutes: [route('r')],
    referenceGrants: [], namespaces: [namespace('default'), namespace('other')],
    secrets: [tlsSecret('cert', TEST_CERT, TEST_KEY)],
    controllerName: CONTROLLER, httpPort: 80, httpsPort: 443, address: '192.0.2.10', now: NOW,
    ...extra,
  }, indexOf(SERVICES, SLICES));
}

const cond = (list: Condition[] | undefined, type: string) => list?.find((c) => c.type === type);
const brief = (c: Condition | undefined) => c && `${c.status}/${c.reason}`;
const routeStatus = (t: GatewayTranslation, name = 'r') => t.httpRouteStatuses.find((s) => s.name === name)?.status;
const parentCond = (t: GatewayTranslation, type: string, name = 'r', i = 0) => brief(cond(routeStatus(t, name)?.parents?.filter((p) => p.controllerName === CONTROLLER)[i]?.conditions, type));
const gwStatus = (t: GatewayTranslation, name = 'gw') => t.gatewayStatuses.find((s) => s.name === name)?.status;
const listenerCond = (t: GatewayTranslation, listener: string, type: string, gw = 'gw') => brief(cond(gwStatus(t, gw)?.listeners?.find((l) => l.name === listener)?.conditions, type));
const routesOf = (t: GatewayTranslation, host: string) => t.hosts.find((h) => h.host === host)?.routes ?? [];

test('a GatewayClass of ours is Accepted; another controller\'s is left alone', () => {
  const t = translate({ gatewayClasses: [ourClass(), ourClass('theirs', 'example.net/gateway')] });
  assert.deepEqual(t.gatewayClassStatuses.map((s) => s.name), ['podnet']);
  const accepted = cond(t.gatewayClassStatuses[0]!.status?.conditions, 'Accepted')!;
  assert.equal(brief(accepted), 'True/Accepted');
  assert.equal(accepted.observedGeneration, 1);
  assert.equal(accepted.lastTransitionTime, NOW);
});

test('statuses already written are not written again, and lastTransitionTime stays while the status does', () => {
  const first = translate({ httpRoutes: [route('r')] });
  const cls = { ...ourClass(), status: first.gatewayClassStatuses[0]!.status };
  const gw = { ...gateway('gw', [HTTP]), status: gwStatus(first) };
  const r = { ...route('r'), status: routeStatus(first) };
  const second = translate({ gatewayClasses: [cls], gateways: [gw], httpRoutes: [r], now: '2025-07-01T00:00:00Z' });
  assert.deepEqual([second.gatewayClassStatuses, second.gatewayStatuses, second.httpRouteStatuses], [[], [], []]);

  // the address goes away: Programmed flips (new time), Accepted does not (time kept)
  const third = translate({ gatewayClasses: [cls], gateways: [gw], httpRoutes: [r], address: undefined, now: '2025-07-01T00:00:00Z' });
  const conditions = gwStatus(third)?.conditions;
  assert.equal(brief(cond(conditions, 'Programmed')), 'False/AddressNotAssigned');
  assert.equal(cond(conditions, 'Programmed')!.lastTransitionTime, '2025-07-01T00:00:00Z');
  assert.equal(cond(conditions, 'Accepted')!.lastTransitionTime, NOW);
  assert.equal(gwStatus(third)?.addresses, undefined);
});

test('a Gateway gets our address and Programmed once the address is known', () => {
  const t = translate();
  assert.deepEqual(gwStatus(t)?.addresses, [{ type: 'IPAddress', value: '192.0.2.10' }]);
  assert.equal(brief(cond(gwStatus(t)?.conditions, 'Accepted')), 'True/Accepted');
  assert.equal(brief(cond(gwStatus(t)?.conditions, 'Programmed')), 'True/Programmed');
  assert.equal(brief(cond(gwStatus(translate({ address: undefined }))?.conditions, 'Programmed')), 'False/AddressNotAssigned');
  assert.deepEqual(gwStatus(t)?.listeners?.[0]?.supportedKinds, [{ group: G, kind: 'HTTPRoute' }]);
  assert.equal(gwStatus(t)?.listeners?.[0]?.attachedRoutes, 1);
});

test('a Gateway asking for addresses of its own is not accepted and serves nothing', () => {
  const t = translate({ gateways: [gateway('gw', [HTTP], { addresses: [{ type: 'IPAddress', value: '192.0.2.99' }] })] });
  assert.equal(brief(cond(gwStatus(t)?.conditions, 'Accepted')), 'False/UnsupportedAddress');
  assert.equal(brief(cond(gwStatus(t)?.conditions, 'Programmed')), 'False/Invalid');
  assert.equal(parentCond(t, 'Accepted'), 'False/NotAllowedByListeners');
  assert.deepEqual(t.hosts, []);
});

test('Gateways of classes that are not ours get no status and serve nothing', () => {
  const t = translate({ gateways: [gateway('gw', [HTTP], { className: 'missing' })] });
  assert.deepEqual([t.gatewayStatuses, t.hosts, t.httpRouteStatuses], [[], [], []]);
});

test('listener reasons: ports, protocols, kinds, conflicts', async (t) => {
  const cases: { name: string; listeners: Listener[]; listener: string; type: string; want: string }[] = [
    { name: 'HTTP on another port', listeners: [{ ...HTTP, port: 8080 }], listener: 'http', type: 'Accepted', want: 'False/PortUnavailable' },
    { name: 'HTTPS on port 80', listeners: [{ ...HTTPS, port: 80 }], listener: 'https', type: 'Accepted', want: 'False/PortUnavailable' },
    { name: 'TCP', listeners: [{ name: 'tcp', port: 80, protocol: 'TCP' }], listener: 'tcp', type: 'Accepted', want: 'False/UnsupportedProtocol' },
    { name: 'TLS', listeners: [{ name: 'tls', port: 443, protocol: 'TLS' }], listener: 'tls', type: 'Accepted', want: 'False/UnsupportedProtocol' },
    { name: 'UDP', listeners: [{ name: 'udp', port: 80, protocol: 'UDP' }], listener: 'udp', type: 'Accepted', want: 'False/UnsupportedProtocol' },
    { name: 'HTTPS passthrough', listeners: [{ ...HTTPS, tls: { mode: 'Passthrough' } }], listener: 'https', type: 'Accepted', want: 'False/UnsupportedProtocol' },
    { name: 'only other route kinds', listeners: [{ ...HTTP, allowedRoutes: { kinds: [{ kind: 'TCPRoute' }] } }], listener: 'http', type: 'ResolvedRefs', want: 'False/InvalidRouteKinds' },
    { name: 'same port and hostname', listeners: [HTTP, { ...HTTP, name: 'http2' }], listener: 'http2', type: 'Conflicted', want: 'True/HostnameConflict' },
    { name: 'same port, other protocol', listeners: [HTTP, { name: 'tcp', port: 80, protocol: 'TCP' }], listener: 'http', type: 'Conflicted', want: 'True/ProtocolConflict' },
    { name: 'same port, other hostnames', listeners: [{ ...HTTP, hostname: 'a.test' }, { ...HTTP, name: 'b', hostname: 'b.test' }], listener: 'b', type: 'Conflicted', want: 'False/NoConflicts' },
    { name: 'valid', listeners: [HTTP], listener: 'http', type: 'Programmed', want: 'True/Programmed' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const out = translate({ gateways: [gateway('gw', c.listeners)] });
      assert.equal(listenerCond(out, c.listener, c.type), c.want);
      if (c.type === 'Accepted' || c.want.startsWith('True/') && c.type === 'Conflicted') {
        assert.equal(listenerCond(out, c.listener, 'Programmed'), 'False/Invalid', 'a listener not accepted or conflicted serves nothing');
      }
      if (c.want !== 'True/Programmed' && c.want !== 'False/NoConflicts') {
        assert.equal(brief(cond(gwStatus(out)?.conditions, 'Accepted')), 'True/ListenersNotValid');
      }
    });
  }
  const otherKinds = translate({ gateways: [gateway('gw', [{ ...HTTP, allowedRoutes: { kinds: [{ kind: 'TCPRoute' }] } }])] });
  assert.deepEqual(gwStatus(otherKinds)?.listeners?.[0]?.supportedKinds, []);
  assert.equal(parentCond(otherKinds, 'Accepted'), 'False/NotAllowedByListeners');
  const mixed = translate({ gateways: [gateway('gw', [{ ...HTTP, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'GRPCRoute' }] } }])] });
  assert.equal(listenerCond(mixed, 'http', 'ResolvedRefs'), 'False/InvalidRouteKinds');
  assert.deepEqual(gwStatus(mixed)?.listeners?.[0]?.supportedKinds, [{ group: G, kind: 'HTTPRoute' }]);
  assert.equal(parentCond(mixed, 'Accepted'), 'True/Accepted');
});

test('HTTPS listener certificates: Secret here, missing, malformed, across namespaces with and without a ReferenceGrant', async (t) => {
  const withRef = (ref: { name: string; namespace?: string }): Listener => ({ ...HTTPS, hostname: 'shop.example.com', tls: { certificateRefs: [ref] } });
  const fromGateways = (name?: string) => grant('certs', { kind: 'Gateway', namespace: 'default' }, { kind: 'Secret', ...(name ? { name } : {}) });
  const other = tlsSecret('shop', TEST_CERT, TEST_KEY, 'certs');
  await t.test('same namespace: the listener hostname gets the certificate', () => {
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'cert' })])], httpRoutes: [] });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'True/ResolvedRefs');
    assert.deepEqual(out.hosts.map((h) => [h.host, h.tls?.secret, h.tls?.cert === TEST_CERT]), [['shop.example.com', 'default/cert', true]]);
  });
  await t.test('missing Secret', () => {
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'nope' })])] });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'False/InvalidCertificateRef');
    assert.equal(listenerCond(out, 'https', 'Programmed'), 'False/Invalid');
    assert.equal(parentCond(out, 'Accepted'), 'False/NotAllowedByListeners');
  });
  await t.test('malformed Secret, with and without a last valid pair', () => {
    const secrets = [tlsSecret('cert', FAKE_CERT, FAKE_KEY)];
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'cert' })])], secrets });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'False/InvalidCertificateRef');
    assert.deepEqual(out.hosts, []);
    const kept = translate({ gateways: [gateway('gw', [withRef({ name: 'cert' })])], secrets, lastValidCerts: new Map([['default/cert', { cert: TEST_CERT, key: TEST_KEY }]]) });
    assert.equal(listenerCond(kept, 'https', 'Programmed'), 'True/Programmed');
    assert.equal(kept.hosts.find((h) => h.host === 'shop.example.com')?.tls?.cert, TEST_CERT);
  });
  await t.test('another namespace without a grant: RefNotPermitted', () => {
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'shop', namespace: 'certs' })])], secrets: [other] });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'False/RefNotPermitted');
  });
  await t.test('another namespace with a grant: resolved', () => {
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'shop', namespace: 'certs' })])], secrets: [other], referenceGrants: [fromGateways()] });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'True/ResolvedRefs');
    assert.equal(out.hosts.find((h) => h.host === 'shop.example.com')?.tls?.secret, 'certs/shop');
  });
  await t.test('a grant naming another Secret does not cover this one', () => {
    const out = translate({ gateways: [gateway('gw', [withRef({ name: 'shop', namespace: 'certs' })])], secrets: [other], referenceGrants: [fromGateways('else')] });
    assert.equal(listenerCond(out, 'https', 'ResolvedRefs'), 'False/RefNotPermitted');
    const named = translate({ gateways: [gateway('gw', [withRef({ name: 'shop', namespace: 'certs' })])], secrets: [other], referenceGrants: [fromGateways('shop')] });
    assert.equal(listenerCond(named, 'https', 'ResolvedRefs'), 'True/ResolvedRefs');
  });
  await t.test('a listener without hostname gives the catch-all its certificate', () => {
    const out = translate({ gateways: [gateway('gw', [HTTPS])], httpRoutes: [] });
    assert.equal(out.hosts.find((h) => h.host === '')?.tls?.secret, 'default/cert');
  });
});

test('allowedRoutes namespaces: Same (default), All, Selector', async (t) => {
  const cases: { name: string; from?: 'Same' | 'All' | 'Selector'; routeNs: string; labels?: Record<string, string>; want: string }[] = [
    { name: 'Same, same namespace', routeNs: 'default', want: 'True/Accepted' },
    { name: 'Same, other namespace', routeNs: 'other', want: 'False/NotAllowedByListeners' },
    { name: 'All', from: 'All', routeNs: 'other', want: 'True/Accepted' },
    { name: 'Selector, labels match', from: 'Selector', routeNs: 'other', labels: { team: 'shop' }, want: 'True/Accepted' },
    { name: 'Selector, labels differ', from: 'Selector', routeNs: 'other', labels: { team: 'ops' }, want: 'False/NotAllowedByListeners' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const listener: Listener = { ...HTTP, allowedRoutes: { namespaces: { ...(c.from ? { from: c.from } : {}), ...(c.from === 'Selector' ? { selector: { matchLabels: { team: 'shop' } } } : {}) } } };
      const out = translate({
        gateways: [gateway('gw', [listener])],
        httpRoutes: [route('r', { ns: c.routeNs, parentRefs: [{ name: 'gw', namespace: 'default' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] })],
        namespaces: [namespace('default'), namespace('other', c.labels ?? {})],
      });
      assert.equal(parentCond(out, 'Accepted'), c.want);
      assert.equal(gwStatus(out)?.listeners?.[0]?.attachedRoutes, c.want === 'True/Accepted' ? 1 : 0);
    });
  }
  const byName = translate({
    gateways: [gateway('gw', [{ ...HTTP, allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } } } }])],
    httpRoutes: [route('r', { ns: 'other', parentRefs: [{ name: 'gw', namespace: 'default' }] })],
  });
  assert.equal(parentCond(byName, 'Accepted'), 'True/Accepted', 'a selector on the namespace-name label');
});

test('sectionName and port pick listeners; hostnames must intersect', async (t) => {
  const listeners: Listener[] = [{ ...HTTP, hostname: 'a.example.com' }, { ...HTTPS, name: 'secure', hostname: '*.example.com' }];
  const cases: { name: string; ref: ParentReference; hostnames?: string[]; want: string; attached: [number, number] }[] = [
    { name: 'whole Gateway', ref: { name: 'gw' }, want: 'True/Accepted', attached: [1, 1] },
    { name: 'sectionName', ref: { name: 'gw', sectionName: 'secure' }, want: 'True/Accepted', attached: [0, 1] },
    { name: 'sectionName and matching port', ref: { name: 'gw', sectionName: 'http', port: 80 }, want: 'True/Accepted', attached: [1, 0] },
    { name: 'sectionName and other port', ref: { name: 'gw', sectionName: 'http', port: 443 }, want: 'False/NoMatchingParent', attached: [0, 0] },
    { name: 'unknown sectionName', ref: { name: 'gw', sectionName: 'nope' }, want: 'False/NoMatchingParent', attached: [0, 0] },
    { name: 'port only', ref: { name: 'gw', port: 443 }, want: 'True/Accepted', attached: [0, 1] },
    // attachedRoutes rests on allowedRoutes and parentRefs alone (ListenerStatus.attachedRoutes), not on hostnames
    { name: 'no common hostname', ref: { name: 'gw' }, hostnames: ['shop.example.net'], want: 'False/NoMatchingListenerHostname', attached: [1, 1] },
    { name: 'a hostname below the wildcard only', ref: { name: 'gw' }, hostnames: ['x.y.example.com'], want: 'True/Accepted', attached: [1, 1] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const out = translate({ gateways: [gateway('gw', listeners)], httpRoutes: [route('r', { parentRefs: [c.ref], ...(c.hostnames ? { hostnames: c.hostnames } : {}) })] });
      assert.equal(parentCond(out, 'Accepted'), c.want);
      assert.deepEqual(gwStatus(out)?.listeners?.map((l) => l.attachedRoutes), c.attached);
    });
  }
});

test('backendRefs: resolved, missing, wrong kind, no port, across namespaces with and without a ReferenceGrant', async (t) => {
  const fromRoutes = (name?: string) => grant('other', { kind: 'HTTPRoute', namespace: 'default' }, { kind: 'Service', ...(name ? { name } : {}) });
  const cases: { name: string; ref: HTTPRouteRule['backendRefs']; grants?: ReferenceGrant[]; want: string }[] = [
    { name: 'Service here', ref: [{ name: 'web', port: 80 }], want: 'True/ResolvedRefs' },
    { name: 'missing Service', ref: [{ name: 'nope', port: 80 }], want: 'False/BackendNotFound' },
    { name: 'missing port', ref: [{ name: 'web', port: 81 }], want: 'False/BackendNotFound' },
    { name: 'no port given', ref: [{ name: 'web' }], want: 'False/BackendNotFound' },
    { name: 'not a Service', ref: [{ group: 'example.net', kind: 'Bucket', name: 'web', port: 80 }], want: 'False/InvalidKind' },
    { name: 'other namespace, no grant', ref: [{ name: 'web', namespace: 'other', port: 80 }], want: 'False/RefNotPermitted' },
    { name: 'other namespace, grant', ref: [{ name: 'web', namespace: 'other', port: 80 }], grants: [fromRoutes()], want: 'True/ResolvedRefs' },
    { name: 'other namespace, grant for this name', ref: [{ name: 'web', namespace: 'other', port: 80 }], grants: [fromRoutes('web')], want: 'True/ResolvedRefs' },
    { name: 'other namespace, grant for another name', ref: [{ name: 'web', namespace: 'other', port: 80 }], grants: [fromRoutes('api')], want: 'False/RefNotPermitted' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const out = translate({ httpRoutes: [route('r', { rules: [{ backendRefs: c.ref! }] })], referenceGrants: c.grants ?? [] });
      assert.equal(parentCond(out, 'ResolvedRefs'), c.want);
      assert.equal(parentCond(out, 'Accepted'), 'True/Accepted', 'invalid backends do not unaccept the route');
      const split = routesOf(out, '')[0]!.split!;
      assert.equal(split[0]!.backend !== undefined, c.want === 'True/ResolvedRefs');
    });
  }
});

test('weighted split: default weight 1, invalid refs keep their share with no backend', () => {
  const out = translate({ httpRoutes: [route('r', { rules: [{ backendRefs: [{ name: 'web', port: 80, weight: 3 }, { name: 'api', port: 80 }, { name: 'gone', port: 80, weight: 2 }] }] })] });
  const split = routesOf(out, '')[0]!.split!;
  assert.deepEqual(split.map((w) => [w.backend?.key, w.weight]), [['default_web_80', 3], ['default_api_80', 1], [undefined, 2]]);
  assert.deepEqual(out.backends.map((b) => b.key), ['default_api_80', 'default_web_80']);
  assert.equal(routesOf(out, '')[0]!.backend, undefined);
});

test('routes: paths, conditions, filters, options and tie-breakers', () => {
  const rules: HTTPRouteRule[] = [
    {
      matches: [
        { path: { type: 'PathPrefix', value: '/api/' }, method: 'GET', headers: [{ name: 'X-Env', value: 'a' }, { name: 'x-env', value: 'b' }], queryParams: [{ name: 'v', value: '2' }] },
        { path: { type: 'Exact', value: '/health' } },
      ],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-from', value: 'gw' }] } }],
      backendRefs: [{ name: 'api', port: 80 }],
    },
    { backendRefs: [{ name: 'web', port: 80 }] },
  ];
  const out = translate({ httpRoutes: [route('r', { hostnames: ['*.example.com'], rules })] });
  const h = out.hosts.find((x) => x.host === '*.example.com')!;
  assert.equal(h.anyDepth, true);
  assert.deepEqual(h.routes.map((r) => [r.kind, r.pathType, r.path, r.order]), [
    ['exact', 'Exact', '/health', { created: '2024-02-01T00:00:00Z', rule: 0, match: 1 }],
    ['prefix', 'Prefix', '/api', { created: '2024-02-01T00:00:00Z', rule: 0, match: 0 }],
    ['prefix', 'Prefix', '/', { created: '2024-02-01T00:00:00Z', rule: 1, match: 0 }],
  ]);
  const api = h.routes[1]!;
  assert.deepEqual(api.conditions, { method: 'GET', headers: [{ name: 'x-env', type: 'Exact', value: 'a' }], queryParams: [{ name: 'v', type: 'Exact', value: '2' }], scheme: 'http' });
  assert.deepEqual(api.filters, { requestHeaders: { set: [{ name: 'x-from', value: 'gw' }] } });
  assert.deepEqual(api.ingress, { kind: 'HTTPRoute', namespace: 'default', name: 'r' });
  assert.equal(api.options.sslRedirect, false);
  assert.equal(api.isDefaultBackend, false);
});

test('the older route wins a tie on the same host and path', () => {
  const out = translate({ httpRoutes: [route('young', { created: '2024-05-01T00:00:00Z' }), route('old', { created: '2024-03-01T00:00:00Z' })] });
  assert.deepEqual(routesOf(out, '').map((r) => r.ingress.name), ['old', 'young']);
});

test('scheme condition: HTTP only, HTTPS only, or both listeners for the name', async (t) => {
  const http: Listener = { ...HTTP, hostname: 'shop.example.com' };
  const https: Listener = { ...HTTPS, hostname: 'shop.example.com' };
  const cases: { name: string; listeners: Listener[]; want: string | undefined; tls: boolean }[] = [
    { name: 'HTTP only', listeners: [http], want: 'http', tls: false },
    { name: 'HTTPS only', listeners: [https], want: 'https', tls: true },
    { name: 'both', listeners: [http, https], want: undefined, tls: true },
    { name: 'HTTP for any name, HTTPS for this one', listeners: [HTTP, https], want: undefined, tls: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const out = translate({ gateways: [gateway('gw', c.listeners)], httpRoutes: [route('r', { hostnames: ['shop.example.com'] })] });
      const h = out.hosts.find((x) => x.host === 'shop.example.com')!;
      assert.equal(h.routes[0]!.conditions?.scheme, c.want);
      assert.equal(!!h.tls?.cert, c.tls);
    });
  }
});

test('a route attached to two Gateways with the same names is served once per host', () => {
  const out = translate({
    gateways: [gateway('gw', [HTTP]), gateway('gw2', [HTTP])],
    httpRoutes: [route('r', { parentRefs: [{ name: 'gw' }, { name: 'gw2' }] })],
  });
  assert.equal(routesOf(out, '').length, 1);
  assert.equal(routeStatus(out)?.parents?.length, 2);
});

test('rules podnet cannot serve are dropped and named; a route with none left is not accepted', () => {
  const partly = translate({ httpRoutes: [route('r', { rules: [
    { matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+' } }], backendRefs: [{ name: 'api', port: 80 }] },
    { filters: [{ type: 'CORS' }], backendRefs: [{ name: 'web', port: 80 }] },
    { backendRefs: [{ name: 'web', port: 80, filters: [{ type: 'RequestHeaderModifier' }] }] },
    { backendRefs: [{ name: 'web', port: 80 }] },
  ] })] });
  assert.equal(parentCond(partly, 'Accepted'), 'True/Accepted');
  const pi = cond(routeStatus(partly)?.parents?.[0]?.conditions, 'PartiallyInvalid')!;
  assert.equal(brief(pi), 'True/UnsupportedValue');
  assert.match(pi.message!, /^Dropped Rule/);
  assert.match(pi.message!, /rules\[0\]\.matches\[0\]\.path\.type RegularExpression/);
  assert.match(pi.message!, /rules\[1\]\.filters\[0\]\.type CORS/);
  assert.match(pi.message!, /rules\[2\]\.backendRefs\[0\]\.filters/);
  assert.deepEqual(routesOf(partly, '').map((r) => r.order?.rule), [3]);

  const none = translate({ httpRoutes: [route('r', { rules: [{ filters: [{ type: 'ExtensionRef' }], backendRefs: [{ name: 'web', port: 80 }] }] })] });
  assert.equal(parentCond(none, 'Accepted'), 'False/UnsupportedValue');
  assert.equal(cond(routeStatus(none)?.parents?.[0]?.conditions, 'PartiallyInvalid'), undefined);
  assert.deepEqual(none.hosts, []);
});

test('header names and values that could not be written as one nginx token are not served: the rule is dropped and named', () => {
  const modifier = (h: object) => ({ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: h }], backendRefs: [{ name: 'web', port: 80 }] });
  const out = translate({ httpRoutes: [route('r', { rules: [
    modifier({ remove: ['X-A ""; return 200 "INJECTED"; #'] }),
    modifier({ add: [{ name: 'X-A$', value: 'v' }] }),
    modifier({ set: [{ name: 'X-Ok', value: 'line\r\nX-Injected: 1' }] }),
    { filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: "'quoted", value: 'v' }] } }], backendRefs: [{ name: 'web', port: 80 }] },
    modifier({ set: [{ name: 'X-Fine_1', value: 'tab\tis not fine either' }] }),
    modifier({ set: [{ name: 'X-Fine', value: 'ok' }], remove: ['X-Gone'] }),
  ] })] });
  const pi = cond(routeStatus(out)?.parents?.[0]?.conditions, 'PartiallyInvalid')!;
  assert.equal(brief(pi), 'True/UnsupportedValue');
  for (const r of [0, 1, 2, 3, 4]) assert.match(pi.message!, new RegExp(`rule ${r}: `));
  assert.deepEqual(routesOf(out, '').map((r) => r.order?.rule), [5]);
});

test('a route NGINX refused is not served and not accepted, with why; still attached to its listener', () => {
  const out = translate({ refused: new Map([['default/r', 'nginx rejected the configuration rendered from this route: boom']]) });
  assert.equal(parentCond(out, 'Accepted'), 'False/UnsupportedValue');
  assert.match(cond(routeStatus(out)?.parents?.[0]?.conditions, 'Accepted')!.message!, /boom/);
  assert.deepEqual(out.hosts, []);
  assert.equal(gwStatus(out)?.listeners?.[0]?.attachedRoutes, 1);
});

test('RequestMirror: the mirror\'s Service joins the backends; one that cannot be resolved is reported and not mirrored to', () => {
  const mirror = (name: string) => ({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name, port: 80 } } }], backendRefs: [{ name: 'web', port: 80 }] });
  const out = translate({ httpRoutes: [route('r', { rules: [mirror('api')] })] });
  assert.deepEqual(routesOf(out, '')[0]!.filters?.mirrors?.map((b) => b.service), ['api']);
  assert.ok(out.backends.some((b) => b.service === 'api'));
  const missing = translate({ httpRoutes: [route('r', { rules: [mirror('nosuch')] })] });
  assert.equal(parentCond(missing, 'ResolvedRefs'), 'False/BackendNotFound');
  assert.equal(routesOf(missing, '')[0]!.filters?.mirrors, undefined);
  const some = translate({ httpRoutes: [route('r', { rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'api', port: 80 }, percent: 10 } }], backendRefs: [{ name: 'web', port: 80 }] }] })] });
  assert.equal(parentCond(some, 'Accepted'), 'False/UnsupportedValue'); // a share of the requests cannot be mirrored: the rule is not served rather than mirror them all
});

test('a rule\'s timeouts are served with it, in milliseconds', () => {
  const out = translate({ httpRoutes: [route('r', { rules: [{ timeouts: { request: '1m30s', backendRequest: '500ms' }, backendRefs: [{ name: 'web', port: 80 }] }] })] });
  assert.equal(parentCond(out, 'Accepted'), 'True/Accepted');
  assert.equal(cond(routeStatus(out)?.parents?.[0]?.conditions, 'PartiallyInvalid'), undefined);
  assert.deepEqual(routesOf(out, '')[0]!.timeouts, { requestMs: 90_000, backendRequestMs: 500 });
});

test('parents of other controllers are kept; refs to Gateways not ours get no entry; our stale entries go', () => {
  const theirs = { parentRef: { name: 'elsewhere' }, controllerName: 'example.net/gateway', conditions: [{ type: 'Accepted', status: 'True' as const, reason: 'Accepted' }] };
  const stale = { parentRef: { name: 'removed' }, controllerName: CONTROLLER, conditions: [] };
  const out = translate({
    gateways: [gateway('gw', [HTTP]), gateway('elsewhere', [HTTP], { className: 'theirs' })],
    httpRoutes: [route('r', { parentRefs: [{ name: 'gw' }, { name: 'elsewhere' }], status: { parents: [theirs, stale] } })],
  });
  const parents = routeStatus(out)!.parents!;
  assert.deepEqual(parents.map((p) => [p.parentRef.name, p.controllerName]), [['elsewhere', 'example.net/gateway'], ['gw', CONTROLLER]]);
  assert.deepEqual(parents[0], theirs);
});

test('deterministic: the same objects in any order give the same translation', () => {
  const gateways = [gateway('b', [{ ...HTTP, hostname: 'b.test' }]), gateway('a', [{ ...HTTPS, hostname: '*.a.test' }], { created: '2023-01-01T00:00:00Z' })];
  const httpRoutes = [
    route('r1', { parentRefs: [{ name: 'a' }, { name: 'b' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }, { name: 'api', port: 80 }] }] }),
    route('r2', { parentRefs: [{ name: 'a' }], hostnames: ['x.a.test', 'y.a.test'], created: EARLIER }),
    route('r3', { parentRefs: [{ name: 'b' }], rules: [{ matches: [{ path: { type: 'Exact', value: '/x' } }], backendRefs: [{ name: 'api', port: 80 }] }] }),
  ];
  const one = translate({ gateways, httpRoutes });
  const two = translate({ gateways: [...gateways].reverse(), httpRoutes: [...httpRoutes].reverse() });
  assert.deepEqual(two, one);
  assert.deepEqual(one.hosts.map((h) => h.host), ['*.a.test', 'b.test', 'x.a.test', 'y.a.test']);
});

/** The Service a request would reach through the table the controller builds from this translation ('404' when none). */
function reached(t: GatewayTranslation, host: string, path: string, scheme: 'http' | 'https' = 'http'): string {
  const r = matchRoute(buildRouteTable({ ingresses: [], gateway: t }), host, path, { scheme });
  return r?.split?.[0]?.backend?.service ?? '404';
}

test('hostname precedence on one listener: a precise name\'s rules first, then those of a wildcard route covering it', () => {
  const t = translate({
    gateways: [gateway('gw', [{ ...HTTP, hostname: '*.example.com' }])],
    httpRoutes: [
      route('wild', { hostnames: ['*.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }, { matches: [{ path: { type: 'PathPrefix', value: '/api/longer' } }], backendRefs: [{ name: 'web', port: 80 }] }] }),
      route('precise', { hostnames: ['foo.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 80 }] }] }),
    ],
  });
  assert.equal(reached(t, 'foo.example.com', '/'), 'web'); // the precise route has no `/`: the wildcard route's answers
  assert.equal(reached(t, 'foo.example.com', '/api/x'), 'api');
  assert.equal(reached(t, 'foo.example.com', '/api/longer/x'), 'api'); // the precise name first, whatever the path lengths
  assert.equal(reached(t, 'bar.example.com', '/api/x'), 'web');
  assert.equal(reached(t, 'a.b.example.com', '/'), 'web');
});

test('listener isolation: a name goes to the most specific listener that matches it, and only to its routes', () => {
  const t = translate({
    gateways: [gateway('gw', [{ ...HTTP, name: 'wild', hostname: '*.example.com' }, { ...HTTP, name: 'abc', hostname: 'abc.example.com' }, { ...HTTP, name: 'any' }])],
    httpRoutes: [
      route('on-wild', { parentRefs: [{ name: 'gw', sectionName: 'wild' }], hostnames: ['abc.example.com', 'x.example.com'] }),
      route('on-abc', { parentRefs: [{ name: 'gw', sectionName: 'abc' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/only' } }], backendRefs: [{ name: 'api', port: 80 }] }] }),
      route('on-any', { parentRefs: [{ name: 'gw', sectionName: 'any' }], rules: [{ backendRefs: [{ name: 'web', port: 80, namespace: 'default' }] }] }),
    ],
  });
  assert.equal(reached(t, 'abc.example.com', '/only/1'), 'api');
  assert.equal(reached(t, 'abc.example.com', '/'), '404'); // not the wildcard listener's route, nor the catch-all's
  assert.equal(reached(t, 'x.example.com', '/'), 'web');
  assert.equal(parentCond(t, 'Accepted', 'on-wild'), 'True/Accepted'); // still attached: isolation decides requests, not attachment
});

test('an HTTP-only name under an HTTPS wildcard listener: over HTTPS it is that listener\'s, with its certificate', () => {
  const t = translate({
    gateways: [gateway('gw', [HTTP, { ...HTTPS, hostname: '*.example.com' }])],
    httpRoutes: [
      route('secure', { parentRefs: [{ name: 'gw', sectionName: 'https' }], rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] }),
      route('plain', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['foo.example.com'] }),
    ],
  });
  assert.equal(reached(t, 'foo.example.com', '/', 'http'), 'web');
  assert.equal(reached(t, 'foo.example.com', '/', 'https'), 'api');
  assert.equal(reached(t, 'bar.example.com', '/', 'https'), 'api');
  assert.ok(t.hosts.find((h) => h.host === 'foo.example.com')?.tls?.cert, 'foo.example.com presents the wildcard listener\'s certificate');
});

test('listener isolation: a precise listener without routes answers 404 for its name, not the wildcard listener\'s routes', () => {
  const t = translate({
    gateways: [gateway('gw', [{ ...HTTP, name: 'wild', hostname: '*.example.com' }, { ...HTTP, name: 'abc', hostname: 'abc.example.com' }])],
    httpRoutes: [route('on-wild', { parentRefs: [{ name: 'gw', sectionName: 'wild' }] })],
  });
  assert.equal(reached(t, 'x.example.com', '/'), 'web');
  assert.equal(reached(t, 'abc.example.com', '/'), '404');
  assert.deepEqual(t.hosts.find((h) => h.host === 'abc.example.com')?.routes, []);
});

test('an Ingress host under a Gateway\'s HTTPS wildcard keeps its own routes over HTTPS; a name with HTTPRoute routes there is the wildcard listener\'s', () => {
  const t = translate({
    gateways: [gateway('gw', [HTTP, { ...HTTPS, hostname: '*.example.com' }])],
    httpRoutes: [route('secure', { parentRefs: [{ name: 'gw', sectionName: 'https' }], rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] })],
  });
  const table = buildRouteTable({
    ingressClasses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } }],
    ingresses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }],
    services: SERVICES, endpointSlices: SLICES, gateway: t,
  });
  assert.equal(matchRoute(table, 'a.example.com', '/', { scheme: 'https' })?.backend?.service, 'web');
  const conf = renderNginxConf(table, { runtimeDir: '/r', certDir: '/c', httpPort: 80, httpsPort: 443, defaultCert: { certPath: '/d.crt', keyPath: '/d.key' } }).text;
  const server = conf.slice(conf.indexOf('# host a.example.com'), conf.indexOf('server_name a.example.com'));
  assert.match(server, /listen 443 ssl http2;/, 'the Ingress host listens on HTTPS itself, so the wildcard server does not take its requests');
});
