import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigMap, Container, Pod, Secret, Service } from '../../../src/api/types.js';
import {
  containerEnv, containerResourceValue, expandCommandAndArgs, expandEnvReferences, hostsFile, type EnvSources, MAX_DNS_SEARCH_LIST_CHARS, MAX_DNS_SEARCH_PATHS, podDns, resolvConf, resolveCommand, serviceEnv,
} from '../../../src/agent/container-spec.js';
import { WATCHER_V8_FLAGS } from '../../../src/v8-flags.js';

const basePod = (spec: Partial<Pod['spec']> = {}, ns = 'shop'): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: ns, uid: 'u1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...spec },
});

const configMap = (name: string, data: Record<string, string>, binaryData?: Record<string, string>): ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data, ...(binaryData ? { binaryData } : {}) });
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
/** a Secret as the API server stores it: stringData already merged into base64 data */
const secret = (name: string, text: Record<string, string>): Secret =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, data: Object.fromEntries(Object.entries(text).map(([k, v]) => [k, b64(v)])) });

/** The node agent's caches: objects of the pod's namespace only, so a lookup in another namespace misses. */
function sources(objects: (ConfigMap | Secret)[] = [], nodeAllocatable: Record<string, string> = {}): EnvSources {
  const find = <K extends 'ConfigMap' | 'Secret'>(kind: K, ns: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  return {
    configMap: (ns, name) => find('ConfigMap', ns, name) as ConfigMap | undefined,
    secret: (ns, name) => find('Secret', ns, name) as Secret | undefined,
    nodeAllocatable,
  };
}

function envOf(result: ReturnType<typeof containerEnv>): Record<string, string> {
  assert.ok('env' in result, `expected an environment, got ${JSON.stringify(result)}`);
  return result.env;
}

/** the named variables, undefined where unset: one comparison instead of a line a variable */
function pick(env: Record<string, string>, names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, Object.hasOwn(env, n) ? env[n] : undefined]));
}

function errorOf(result: ReturnType<typeof containerEnv>): string {
  assert.ok('error' in result, `expected an error, got ${JSON.stringify(result)}`);
  assert.equal(result.error.reason, 'CreateContainerConfigError');
  return result.error.message;
}

test('command replaces the entrypoint; built-in images run their node program', () => {
  assert.deepEqual(resolveCommand({ name: 'c', image: 'busybox', command: ['sleep'], args: ['10'] }, 'node'), { argv: ['sleep', '10'] });
  const echo = resolveCommand({ name: 'c', image: 'podnet/echo', args: ['--port', '9000'] }, '/usr/bin/node');
  assert.ok('argv' in echo && echo.argv[0] === '/usr/bin/node' && echo.argv[1]!.endsWith('/images/echo.js') && echo.argv[3] === '9000');
  const agnhost = resolveCommand({ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.52', args: ['netexec'] }, 'node');
  assert.ok('argv' in agnhost && agnhost.argv[1]!.endsWith('/images/agnhost.js'));
});

test('a command naming the image\'s entrypoint path runs the built-in program (agnhost crash-looped with "nsenter: failed to execute /agnhost")', () => {
  const agnhost = 'registry.k8s.io/e2e-test-images/agnhost:2.39';
  const r = resolveCommand({ name: 'c', image: agnhost, command: ['/agnhost', 'serve-hostname'] }, '/usr/bin/node');
  assert.ok('argv' in r);
  assert.equal(r.argv[0], '/usr/bin/node');
  assert.ok(r.argv[1]!.endsWith('/images/agnhost.js'));
  assert.deepEqual(r.argv.slice(2), ['serve-hostname']);
  // the rest of command, then args, as the binary would have received them
  const split = resolveCommand({ name: 'c', image: agnhost, command: ['/agnhost', 'netexec'], args: ['--http-port=8080', '--udp-port=8081'] }, 'node');
  assert.ok('argv' in split);
  assert.deepEqual(split.argv.slice(2), ['netexec', '--http-port=8080', '--udp-port=8081']);
  // another program in the image, or the same name elsewhere, is run as written
  assert.deepEqual(resolveCommand({ name: 'c', image: agnhost, command: ['/bin/sh', '-c', 'echo hi'] }, 'node'), { argv: ['/bin/sh', '-c', 'echo hi'] });
  assert.deepEqual(resolveCommand({ name: 'c', image: 'busybox', command: ['/agnhost', 'serve-hostname'] }, 'node'), { argv: ['/agnhost', 'serve-hostname'] });
  assert.deepEqual(resolveCommand({ name: 'c', image: 'podnet/echo', command: ['/agnhost'] }, 'node'), { argv: ['/agnhost'] });
  // pause's entrypoint is /pause: its own hold, arguments ignored
  const pause = resolveCommand({ name: 'c', image: 'registry.k8s.io/pause:3.10', command: ['/pause'] }, 'node', '/hold.fifo');
  assert.deepEqual(pause, resolveCommand({ name: 'c', image: 'registry.k8s.io/pause:3.10' }, 'node', '/hold.fifo'));
});

test('the watching system images run node with the watchers\' V8 flags; user images without', () => {
  for (const image of ['podnet/cluster-dns', 'podnet/ingress-controller']) {
    const r = resolveCommand({ name: 'c', image, args: ['--x'] }, '/usr/bin/node');
    assert.ok('argv' in r, image);
    assert.deepEqual(r.argv.slice(0, 1 + WATCHER_V8_FLAGS.length), ['/usr/bin/node', ...WATCHER_V8_FLAGS], image);
    assert.equal(r.argv.at(-1), '--x');
  }
  const echo = resolveCommand({ name: 'c', image: 'podnet/echo' }, '/usr/bin/node');
  assert.ok('argv' in echo && echo.argv[1]!.endsWith('/images/echo.js'));
});

test('registry.k8s.io/pause is built in and is not a Node process: sleep until SIGTERM/SIGINT, then exit 0', () => {
  for (const image of ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause', 'k8s.gcr.io/pause:3.2']) {
    const r = resolveCommand({ name: 'c', image }, '/usr/bin/node');
    assert.ok('argv' in r, image);
    assert.equal(r.argv[0], 'sh', image);
    assert.match(r.argv[2]!, /trap "exit 0" TERM INT/);
  }
  assert.ok('error' in resolveCommand({ name: 'c', image: 'registry.k8s.io/pausex' }, 'node'));
  // command still replaces the entrypoint
  assert.deepEqual(resolveCommand({ name: 'c', image: 'registry.k8s.io/pause:3.10', command: ['true'] }, 'node'), { argv: ['true'] });
});

test('an unknown image without command fails with ErrImagePull and says why', () => {
  const r = resolveCommand({ name: 'c', image: 'nginx:1.27' }, 'node');
  assert.ok('error' in r);
  assert.equal(r.error.reason, 'ErrImagePull');
  assert.match(r.error.message, /Failed to pull image "nginx:1.27": .*not a built-in image/);
});

test('service links follow the kubelet naming', () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis-primary', namespace: 'shop' }, spec: { clusterIP: '10.96.0.11', ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }] } };
  assert.deepEqual(serviceEnv([svc]), {
    REDIS_PRIMARY_SERVICE_HOST: '10.96.0.11',
    REDIS_PRIMARY_SERVICE_PORT: '6379',
    REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
    REDIS_PRIMARY_PORT: 'tcp://10.96.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.0.11',
  });
  const headless: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } };
  assert.deepEqual(serviceEnv([headless]), {});
});

test('env: fieldRef, $(VAR) expansion, services of the pod namespace plus kubernetes', () => {
  const pod = basePod();
  const c = { name: 'c', env: [
    { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
    { name: 'MY_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
    { name: 'HOST_IPS', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } },
    { name: 'GREETING', value: 'hi $(MY_POD)' },
  ] };
  const services: Service[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'elsewhere' }, spec: { clusterIP: '10.96.0.99', ports: [{ port: 80 }] } },
  ];
  const env = envOf(containerEnv(pod, c, { podIP: '10.244.0.7', hostIP: '172.18.0.2', nodeName: 'node-1' }, services, sources()));
  assert.deepEqual(pick(env, ['MY_IPS', 'HOST_IPS']), { MY_IPS: '10.244.0.7', HOST_IPS: '172.18.0.2' });
  assert.deepEqual(pick(env, ['MY_POD', 'MY_IP', 'MY_NODE', 'HOST_IP', 'GREETING', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'OTHER_SERVICE_HOST']), {
    MY_POD: 'web-1', MY_IP: '10.244.0.7', MY_NODE: 'node-1', HOST_IP: '172.18.0.2', GREETING: 'hi web-1',
    KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', OTHER_SERVICE_HOST: undefined,
  });
});

test('env: fieldRef spec.serviceAccountName is the pod\'s account, default when it names none', () => {
  const c = { name: 'c', env: [{ name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } }] };
  const own = { ...basePod(), spec: { ...basePod().spec, serviceAccountName: 'shop-api' } };
  assert.equal(envOf(containerEnv(own, c, {}, [], sources()))['SA'], 'shop-api');
  assert.equal(envOf(containerEnv(basePod(), c, {}, [], sources()))['SA'], 'default');
});

test('envFrom: every data key, prefixed, in order; env overrides it and it overrides service links and podnet\'s own', () => {
  const services: Service[] = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 5432 }] } }];
  const c: Container = {
    name: 'c',
    envFrom: [
      { configMapRef: { name: 'base' } },
      { prefix: 'DB_', secretRef: { name: 'creds' } },
      { configMapRef: { name: 'override' } },
    ],
    env: [{ name: 'MODE', value: 'from-env' }],
  };
  const env = envOf(containerEnv(basePod(), c, {}, services, sources([
    configMap('base', { MODE: 'base', LEVEL: '1', DB_SERVICE_HOST: 'db.example', POD_NAME: 'renamed' }, { BLOB: b64('binary') }),
    secret('creds', { USER: 'app', PASSWORD: 'pä$$' }),
    configMap('override', { LEVEL: '2' }),
  ])));
  // secrets arrive decoded; binaryData is never a variable
  assert.deepEqual(pick(env, ['MODE', 'LEVEL', 'DB_SERVICE_HOST', 'DB_SERVICE_PORT', 'POD_NAME', 'DB_USER', 'DB_PASSWORD', 'BLOB']), {
    MODE: 'from-env', LEVEL: '2', DB_SERVICE_HOST: 'db.example', DB_SERVICE_PORT: '5432', POD_NAME: 'renamed', DB_USER: 'app', DB_PASSWORD: 'pä$$', BLOB: undefined,
  });
});

test('envFrom: a missing source stops the container unless optional', () => {
  const rows: { name: string; envFrom: NonNullable<Container['envFrom']>; error?: string }[] = [
    { name: 'configMap', envFrom: [{ configMapRef: { name: 'gone' } }], error: 'configmap "gone" not found' },
    { name: 'secret', envFrom: [{ secretRef: { name: 'gone' } }], error: 'secret "gone" not found' },
    { name: 'optional configMap', envFrom: [{ configMapRef: { name: 'gone', optional: true } }] },
    { name: 'optional secret', envFrom: [{ secretRef: { name: 'gone', optional: true } }] },
    { name: 'after an optional one', envFrom: [{ configMapRef: { name: 'gone', optional: true } }, { secretRef: { name: 'also-gone' } }], error: 'secret "also-gone" not found' },
  ];
  for (const row of rows) {
    const result = containerEnv(basePod(), { name: 'c', envFrom: row.envFrom }, {}, [], sources());
    if (row.error) assert.equal(errorOf(result), row.error, row.name);
    else assert.equal(envOf(result).POD_NAME, 'web-1', row.name);
  }
});

test('envFrom: keys that are no variable name are skipped, with one InvalidEnvironmentVariableNames warning per source', () => {
  const c: Container = { name: 'c', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' } }, { prefix: 'OK_', configMapRef: { name: 'clean' } }] };
  const result = containerEnv(basePod(), c, {}, [], sources([
    configMap('cfg', { 'b=2': 'x', 'a=1': 'y', 'app.properties': 'kept' }),
    secret('creds', { 'tab\there': 's', token: 't' }),
    configMap('clean', { fine: 'yes' }),
  ]));
  assert.deepEqual(pick(envOf(result), ['app.properties', 'token', 'OK_fine', 'a=1']), { 'app.properties': 'kept', token: 't', OK_fine: 'yes', 'a=1': undefined });
  assert.deepEqual(result.warnings, [
    { reason: 'InvalidEnvironmentVariableNames', message: 'Keys [a=1, b=2] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.' },
    { reason: 'InvalidEnvironmentVariableNames', message: 'Keys [tab\there] from the EnvFrom secret shop/creds were skipped since they are considered invalid environment variable names.' },
  ]);
  // no warnings, no field
  assert.equal(containerEnv(basePod(), { name: 'c', envFrom: [{ configMapRef: { name: 'clean' } }] }, {}, [], sources([configMap('clean', { a: '1' })])).warnings, undefined);
});

test('configMapKeyRef and secretKeyRef: the value, the kubelet\'s errors, and optional misses leave the variable unset', () => {
  const objects = [configMap('cfg', { color: 'blue' }, { logo: b64('png') }), secret('creds', { password: 's3cret' })];
  const rows: { name: string; valueFrom: NonNullable<Container['env']>[number]['valueFrom']; value?: string; error?: string }[] = [
    { name: 'configMap key', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } }, value: 'blue' },
    { name: 'secret key, decoded', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } }, value: 's3cret' },
    { name: 'no such configMap', valueFrom: { configMapKeyRef: { name: 'nope', key: 'color' } }, error: 'configmap "nope" not found' },
    { name: 'no such secret', valueFrom: { secretKeyRef: { name: 'nope', key: 'password' } }, error: 'secret "nope" not found' },
    { name: 'no such configMap key', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'size' } }, error: 'couldn\'t find key size in ConfigMap shop/cfg' },
    { name: 'a binaryData key is not found either', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'logo' } }, error: 'couldn\'t find key logo in ConfigMap shop/cfg' },
    { name: 'an Object.prototype name is not found either', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'constructor' } }, error: 'couldn\'t find key constructor in ConfigMap shop/cfg' },
    { name: 'no such secret key', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } }, error: 'couldn\'t find key token in Secret shop/creds' },
    { name: 'optional configMap missing', valueFrom: { configMapKeyRef: { name: 'nope', key: 'color', optional: true } } },
    { name: 'optional configMap key missing', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'size', optional: true } } },
    { name: 'optional secret missing', valueFrom: { secretKeyRef: { name: 'nope', key: 'password', optional: true } } },
    { name: 'optional secret key missing', valueFrom: { secretKeyRef: { name: 'creds', key: 'token', optional: true } } },
  ];
  for (const row of rows) {
    const c: Container = { name: 'c', env: [{ name: 'X', valueFrom: row.valueFrom }] };
    const result = containerEnv(basePod(), c, {}, [], sources(objects));
    if (row.error) { assert.equal(errorOf(result), row.error, row.name); continue; }
    const env = envOf(result);
    if (row.value === undefined) assert.ok(!Object.hasOwn(env, 'X'), row.name);
    else assert.equal(env.X, row.value, row.name);
  }
});

test('an optional miss leaves an earlier value of the variable as it was', () => {
  const c: Container = { name: 'c', envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'color', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'colour', optional: true } } }] };
  assert.equal(envOf(containerEnv(basePod(), c, {}, [], sources([configMap('cfg', { color: 'blue' })]))).color, 'blue');
});

test('$(VAR) expansion: defined before it, $$ escapes, unknown references stay as written', () => {
  const c: Container = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cfg' } }],
    env: [
      { name: 'URL', value: 'http://$(HOST):$(PORT)/$(LATER)' },
      { name: 'LATER', value: 'late' },
      { name: 'LITERAL', value: '$$(HOST) costs $5 $(' },
      { name: 'PROTO', value: '$(constructor)$(toString)' },
      { name: 'DOTTED', value: '$(app.name)' },
      { name: 'SELF', value: '$(SELF)x' },
      { name: '__proto__', value: 'plain' },
    ],
  };
  const env = envOf(containerEnv(basePod(), c, {}, [], sources([configMap('cfg', { HOST: 'db', PORT: '5432', 'app.name': 'shop' })])));
  assert.deepEqual(pick(env, ['URL', 'LITERAL', 'PROTO', 'DOTTED', 'SELF', '__proto__']), {
    URL: 'http://db:5432/$(LATER)', LITERAL: '$(HOST) costs $5 $(', PROTO: '$(constructor)$(toString)', DOTTED: 'shop', SELF: '$(SELF)x', ['__proto__']: 'plain',
  });
  // the expansion alone
  assert.equal(expandEnvReferences('$(A)$$(A)$$$(A)$x$', (n) => (n === 'A' ? 'a' : undefined)), 'a$(A)$a$x$');
});

test('an empty value falls through to valueFrom, as the kubelet reads it', () => {
  const c: Container = { name: 'c', env: [{ name: 'WHO', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'EMPTY', value: '' }] };
  const env = envOf(containerEnv(basePod(), c, {}, [], sources()));
  assert.equal(env.WHO, 'web-1');
  assert.equal(env.EMPTY, '');
});

test('resourceFieldRef: limits and requests in whole divisors, rounded up; a missing limit is the node\'s allocatable', () => {
  const allocatable = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' };
  const rows: { name: string; resources?: Container['resources']; resource: string; divisor?: string | number; alloc?: Record<string, string>; want: string }[] = [
    { name: 'cpu limit 500m in cores', resources: { limits: { cpu: '500m' } }, resource: 'limits.cpu', want: '1' },
    { name: 'cpu limit 500m in millicores', resources: { limits: { cpu: '500m' } }, resource: 'limits.cpu', divisor: '1m', want: '500' },
    { name: 'cpu limit 2.5', resources: { limits: { cpu: 2.5 } }, resource: 'limits.cpu', want: '3' },
    { name: 'divisor 0 is 1', resources: { limits: { cpu: '1500m' } }, resource: 'limits.cpu', divisor: '0', want: '2' },
    { name: 'no cpu limit: the node\'s', resource: 'limits.cpu', divisor: '1m', want: '4000' },
    { name: 'a cpu limit of 0: the node\'s', resources: { limits: { cpu: '0' } }, resource: 'limits.cpu', want: '4' },
    { name: 'no cpu limit and no allocatable: 0', resource: 'limits.cpu', alloc: {}, want: '0' },
    { name: 'cpu request', resources: { requests: { cpu: '100m' }, limits: { cpu: '2' } }, resource: 'requests.cpu', divisor: '1m', want: '100' },
    { name: 'no cpu request: the container\'s limit', resources: { limits: { cpu: '250m' } }, resource: 'requests.cpu', divisor: '1m', want: '250' },
    { name: 'no cpu request nor limit: 0, never the node\'s', resource: 'requests.cpu', want: '0' },
    { name: 'memory limit in bytes', resources: { limits: { memory: '64Mi' } }, resource: 'limits.memory', want: '67108864' },
    { name: 'memory limit in Mi', resources: { limits: { memory: '64Mi' } }, resource: 'limits.memory', divisor: '1Mi', want: '64' },
    { name: 'memory limit in M, rounded up', resources: { limits: { memory: '64Mi' } }, resource: 'limits.memory', divisor: '1M', want: '68' },
    { name: 'memory divisor 1m counts whole bytes', resources: { limits: { memory: '64Mi' } }, resource: 'limits.memory', divisor: '1m', want: '67108864' },
    { name: 'no memory limit: the node\'s', resource: 'limits.memory', want: '8589934592' },
    { name: 'memory request beyond 2^53, exact', resources: { requests: { memory: '1Ei' } }, resource: 'requests.memory', want: '1152921504606846976' },
    { name: 'no memory request: the limit', resources: { limits: { memory: '1Gi' } }, resource: 'requests.memory', divisor: '1Mi', want: '1024' },
    { name: 'no storage limit: the node\'s', resource: 'limits.ephemeral-storage', divisor: '1Gi', want: '100' },
    { name: 'storage request', resources: { requests: { 'ephemeral-storage': '1G' } }, resource: 'requests.ephemeral-storage', divisor: '1Mi', want: '954' },
    { name: 'hugepages limit', resources: { limits: { 'hugepages-2Mi': '4Mi' } }, resource: 'limits.hugepages-2Mi', divisor: '2Mi', want: '2' },
    { name: 'hugepages request from the limit', resources: { limits: { 'hugepages-2Mi': '4Mi' } }, resource: 'requests.hugepages-2Mi', divisor: '1Mi', want: '4' },
    { name: 'no hugepages: 0, never the node\'s', resource: 'limits.hugepages-2Mi', alloc: { 'hugepages-2Mi': '1Gi' }, want: '0' },
  ];
  for (const row of rows) {
    const c: Container = { name: 'c', ...(row.resources ? { resources: row.resources } : {}), env: [{ name: 'V', valueFrom: { resourceFieldRef: { resource: row.resource, ...(row.divisor !== undefined ? { divisor: row.divisor } : {}) } } }] };
    const env = envOf(containerEnv(basePod(), c, {}, [], sources([], row.alloc ?? allocatable)));
    assert.equal(env.V, row.want, row.name);
  }
});

test('resourceFieldRef: containerName reads another container of the pod; an unknown one or resource stops the container', () => {
  const pod = basePod({
    containers: [{ name: 'app', resources: { limits: { memory: '256Mi' } } }, { name: 'side', resources: { requests: { cpu: '300m' } } }],
    initContainers: [{ name: 'setup', resources: { limits: { cpu: '2' } } }],
  });
  const app = pod.spec.containers[0]!;
  const ref = (resource: string, containerName?: string): Container => ({ ...app, env: [{ name: 'V', valueFrom: { resourceFieldRef: { resource, divisor: '1m', ...(containerName ? { containerName } : {}) } } }] });
  const run = (c: Container) => containerEnv(pod, c, {}, [], sources([], { cpu: '4' }));
  assert.equal(envOf(run(ref('requests.cpu', 'side'))).V, '300');
  assert.equal(envOf(run(ref('limits.cpu', 'side'))).V, '4000');
  assert.equal(envOf(run(ref('limits.cpu', 'setup'))).V, '2000');
  assert.equal(envOf(run(ref('limits.cpu'))).V, '4000');
  assert.equal(errorOf(run(ref('limits.cpu', 'nope'))), 'container nope not found');
  assert.equal(errorOf(run(ref('limits.gpu'))), 'unsupported container resource : limits.gpu');
  // the same values for a downwardAPI volume
  assert.equal(containerResourceValue(pod, 'app', { resource: 'limits.memory', divisor: '1Mi' }, {}), '256');
  assert.equal(containerResourceValue(pod, 'side', { resource: 'limits.cpu' }, { cpu: '4' }), '4');
  assert.equal(containerResourceValue(pod, 'setup', { resource: 'requests.cpu', divisor: '1m' }, {}), '2000');
  assert.equal(containerResourceValue(pod, 'nope', { resource: 'limits.cpu' }, {}), undefined);
  assert.equal(containerResourceValue(pod, 'app', { resource: 'limits.gpu' }, {}), undefined);
});

test('resolv.conf follows dnsPolicy', () => {
  assert.equal(resolvConf(basePod(), '10.96.0.10', 'cluster.local', 'nameserver 198.51.100.53\n'),
    'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  assert.equal(resolvConf(basePod({ dnsPolicy: 'Default' }), '10.96.0.10', 'cluster.local', 'nameserver 198.51.100.53\n'), 'nameserver 198.51.100.53\n');
  assert.equal(resolvConf(basePod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }] } }), '10.96.0.10', 'cluster.local', ''),
    'search a.b\nnameserver 1.2.3.4\noptions ndots:2\n');
  assert.equal(resolvConf(basePod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), '10.96.0.10', 'cluster.local', ''),
    'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:1\n');
});

test('hosts file names the pod, with its FQDN under a subdomain', () => {
  const text = hostsFile(basePod({ hostname: 'db-0', subdomain: 'db' }), '10.244.0.5', 'cluster.local');
  assert.match(text, /^10\.244\.0\.5\tdb-0\.db\.shop\.svc\.cluster\.local\tdb-0$/m);
});

test('dnsConfig merged into ClusterFirst: a nameserver or search domain already there is not repeated', () => {
  const pod = basePod({ dnsConfig: { nameservers: ['10.96.0.10'], searches: ['svc.cluster.local', 'example.test'] } });
  assert.equal(resolvConf(pod, '10.96.0.10', 'cluster.local', ''),
    'search shop.svc.cluster.local svc.cluster.local cluster.local example.test\nnameserver 10.96.0.10\noptions ndots:5\n');
  // duplicates within dnsConfig itself too, first occurrence kept
  const twice = basePod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '1.1.1.1'], searches: ['b.test', 'a.test', 'b.test'] } });
  assert.equal(resolvConf(twice, '10.96.0.10', 'cluster.local', ''), 'search b.test a.test\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n');
});

test('the kubelet\'s resolver limits: 3 nameservers, 32 search domains, 2048 characters, each at most 253; cut with a DNSConfigForming warning', () => {
  const rows: { name: string; dnsConfig: NonNullable<Pod['spec']['dnsConfig']>; nameservers: number; searches: number; warning?: RegExp }[] = [
    { name: 'within the limits', dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8'], searches: ['a.test'] }, nameservers: 3, searches: 4 },
    { name: 'a fourth nameserver', dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9'] }, nameservers: 3, searches: 3,
      warning: /^Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10\.96\.0\.10 1\.1\.1\.1 8\.8\.8\.8$/ },
    { name: '3 cluster + 30 more domains', dnsConfig: { searches: Array.from({ length: 30 }, (_, i) => `d${i}.test`) }, nameservers: 1, searches: MAX_DNS_SEARCH_PATHS,
      warning: /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: shop\.svc\.cluster\.local .* d28\.test$/ },
    { name: 'a domain over 253 characters', dnsConfig: { searches: [`${'a'.repeat(250)}.test`, 'b.test'] }, nameservers: 1, searches: 4, warning: /applied search line is: .* b\.test$/ },
    // 54 characters of cluster domains, then 245 + 1 each: 8 fit in 2048
    { name: 'a line over 2048 characters', dnsConfig: { searches: Array.from({ length: 10 }, (_, i) => `${String(i).repeat(240)}.test`) }, nameservers: 1, searches: 3 + 8, warning: /^Search Line limits/ },
  ];
  for (const row of rows) {
    const dns = podDns(basePod({ dnsConfig: row.dnsConfig }), '10.96.0.10', 'cluster.local', '');
    assert.equal(dns.nameservers.length, row.nameservers, row.name);
    assert.equal(dns.searches.length, row.searches, row.name);
    assert.ok(dns.searches.join(' ').length <= MAX_DNS_SEARCH_LIST_CHARS, row.name);
    if (row.warning) { assert.equal(dns.warnings.length, 1, row.name); assert.match(dns.warnings[0]!, row.warning, row.name); }
    else assert.deepEqual(dns.warnings, [], row.name);
  }
});

test('hostAliases reach /etc/hosts as the kubelet writes them: a comment, then one tab-separated line per IP', () => {
  const pod = basePod({ hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote'] }] });
  assert.equal(hostsFile(pod, '10.244.0.5', 'cluster.local'), [
    '# Kubernetes-managed hosts file (podnet).', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', '10.244.0.5\tweb-1',
    '', '# Entries added by HostAliases.', '127.0.0.1\tfoo.local\tbar.local', '10.1.2.3\tfoo.remote', '',
  ].join('\n'));
  // none: no comment either
  assert.doesNotMatch(hostsFile(basePod(), '10.244.0.5', 'cluster.local'), /HostAliases/);
});

test('the pause image exits 0 on SIGTERM, with sleep and with the hold FIFO (no sleep process)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-pause-image-'));
  try {
    const fifo = path.join(dir, 'hold fifo');
    execFileSync('mkfifo', [fifo]);
    const hold = resolveCommand({ name: 'c', image: 'registry.k8s.io/pause:3.10' }, 'node', fifo);
    assert.ok('argv' in hold);
    assert.doesNotMatch(hold.argv.join(' '), /sleep/);
    assert.equal(hold.argv.at(-1), fifo);
    const plain = resolveCommand({ name: 'c', image: 'registry.k8s.io/pause:3.10' }, 'node');
    assert.ok('argv' in plain);
    for (const argv of [hold.argv, plain.argv]) {
      // its own process group, as the agent starts containers (detached), so the group signal reaches sleep too
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // the shell has set its trap once it waits: its wchan is a pipe/FIFO read or wait4, never before the trap line
      for (let i = 0; i < 500 && !/pipe_read|wait/.test(fs.readFileSync(`/proc/${child.pid}/wchan`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 10));
      process.kill(-child.pid!, 'SIGTERM');
      assert.equal(await exited, 0, argv.join(' '));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('command and args expand $(VAR) against the environment, as the kubelet does; $$ is a literal $, unknown names stay', () => {
  const c: Container = { name: 'c', command: ['/bin/echo', '$(MESSAGE)'], args: ['$(MESSAGE)', '$$(MESSAGE)', '$(NOPE)', 'plain'] };
  const out = expandCommandAndArgs(c, { MESSAGE: 'hello world' });
  assert.deepEqual(out.command, ['/bin/echo', 'hello world']);
  assert.deepEqual(out.args, ['hello world', '$(MESSAGE)', '$(NOPE)', 'plain']);
  assert.equal(expandCommandAndArgs({ name: 'c', image: 'podnet/echo' }, { A: 'b' }).command, undefined);
  assert.deepEqual(expandCommandAndArgs({ name: 'c', args: ['$(constructor)'] }, {}).args, ['$(constructor)']);
});
