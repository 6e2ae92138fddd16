import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, Service } from '../../../src/api/types.js';
import { containerEnv, hostsFile, MAX_DNS_SEARCH_LIST_CHARS, MAX_DNS_SEARCH_PATHS, podDns, resolvConf, resolveCommand, serviceEnv } from '../../../src/agent/container-spec.js';
import { WATCHER_V8_FLAGS } from '../../../src/v8-flags.js';

const basePod = (spec: Partial<Pod['spec']> = {}, ns = 'shop'): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: ns, uid: 'u1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...spec },
});

test('command replaces the entrypoint; built-in images run their node program', () => {
  assert.deepEqual(resolveCommand({ name: 'c', image: 'busybox', command: ['sleep'], args: ['10'] }, 'node'), { argv: ['sleep', '10'] });
  const echo = resolveCommand({ name: 'c', image: 'podnet/echo', args: ['--port', '9000'] }, '/usr/bin/node');
  assert.ok('argv' in echo && echo.argv[0] === '/usr/bin/node' && echo.argv[1]!.endsWith('/images/echo.js') && echo.argv[3] === '9000');
  const agnhost = resolveCommand({ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.52', args: ['netexec'] }, 'node');
  assert.ok('argv' in agnhost && agnhost.argv[1]!.endsWith('/images/agnhost.js'));
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
    { name: 'GREETING', value: 'hi $(MY_POD)' },
  ] };
  const services: Service[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'elsewhere' }, spec: { clusterIP: '10.96.0.99', ports: [{ port: 80 }] } },
  ];
  const env = containerEnv(pod, c, { podIP: '10.244.0.7', hostIP: '172.18.0.2', nodeName: 'node-1' }, services);
  assert.equal(env.MY_POD, 'web-1');
  assert.equal(env.MY_IP, '10.244.0.7');
  assert.equal(env.MY_NODE, 'node-1');
  assert.equal(env.HOST_IP, '172.18.0.2');
  assert.equal(env.GREETING, 'hi web-1');
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.OTHER_SERVICE_HOST, undefined);
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
