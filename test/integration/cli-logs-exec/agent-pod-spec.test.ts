// What the node agent makes of a pod spec, seen from inside the pod with
// `podnet exec` as a user would: spec.hostAliases in /etc/hosts, dnsConfig
// merged into resolv.conf without repeats, exec probes run with the
// container's environment, and a failing readiness probe's Unhealthy event.
// Each test is the regression test of a bug that was there.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Event, Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itagps';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itagps-'));
const pn = podnet(CLUSTER, stateDir);

const SLEEP = 'image: none, command: [sleep, infinity]';
/** a pod whose container has FOO=bar and this readiness probe command */
const probed = (name: string, script: string, probe = '') => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
    - {name: c, ${SLEEP}, env: [{name: FOO, value: bar}], readinessProbe: {exec: {command: [sh, -c, ${JSON.stringify(script)}]}, periodSeconds: 1${probe}}}
---`;
const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: {name: aliases}
spec:
  hostAliases:
    - {ip: 127.0.0.1, hostnames: [foo.local, bar.local]}
    - {ip: 10.1.2.3, hostnames: [foo.remote]}
  containers: [{name: c, ${SLEEP}}]
---
apiVersion: v1
kind: Pod
metadata: {name: dnsdup}
spec:
  dnsConfig: {nameservers: [10.96.0.10], searches: [svc.cluster.local, example.test]}
  containers: [{name: c, ${SLEEP}}]
---${probed('probe-env', 'test "$FOO" = bar')}${probed('probe-fail', 'echo "not ready, FOO=$FOO"; exit 1', ', failureThreshold: 1')}
`;

async function pod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function eventsFor(name: string): Promise<Event[]> {
  const r = await pn(['get', 'events', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Event[] }).items.filter((e) => e.involvedObject?.name === name);
}

describe('the agent applies the pod spec as the kubelet', { timeout: 180_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const applied = await pn(['apply', '-f', '-'], { input: MANIFEST });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('pods running', async () => {
      const ps = await Promise.all(['aliases', 'dnsdup', 'probe-env', 'probe-fail'].map(pod));
      return ps.every((p) => p.status?.phase === 'Running') || undefined;
    }, 60_000, 200);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('spec.hostAliases are in /etc/hosts, written as the kubelet writes them, and resolve', async () => {
    const hosts = await pn(['exec', 'aliases', '--', 'cat', '/etc/hosts']);
    assert.equal(hosts.code, 0, hosts.stderr);
    assert.ok(hosts.stdout.endsWith('\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n'), hosts.stdout);
    const p = await pod('aliases');
    assert.match(hosts.stdout, new RegExp(`^${p.status!.podIP!.replace(/\./g, '\\.')}\taliases$`, 'm'));
    // ahostsv4: IPv4 only, from the hosts file alone (`getent hosts` asks for IPv6 first, which
    // goes on to the cluster DNS, absent here); bar.local's canonical name is the line's first
    const remote = await pn(['exec', 'aliases', '--', 'getent', 'ahostsv4', 'foo.remote']);
    assert.match(remote.stdout, /^10\.1\.2\.3\s+STREAM foo\.remote$/m);
    const local = await pn(['exec', 'aliases', '--', 'getent', 'ahostsv4', 'bar.local']);
    assert.match(local.stdout, /^127\.0\.0\.1\s+STREAM foo\.local$/m);
  });

  test('dnsConfig on ClusterFirst: the cluster nameserver and svc.cluster.local once each', async () => {
    const r = await pn(['exec', 'dnsdup', '--', 'cat', '/etc/resolv.conf']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'search default.svc.cluster.local svc.cluster.local cluster.local example.test\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  test('an exec readiness probe sees the container\'s env, as `podnet exec` does: the pod becomes Ready', async () => {
    const viaExec = await pn(['exec', 'probe-env', '--', 'sh', '-c', 'test "$FOO" = bar']);
    assert.equal(viaExec.code, 0, viaExec.stderr);
    await eventually('probe-env Ready', async () => isReady(await pod('probe-env')) || undefined, 20_000, 200);
  });

  test('a failing readiness probe: one Warning Unhealthy "Readiness probe failed: <output>", not one per attempt', async () => {
    const unhealthy = await eventually('an Unhealthy event for probe-fail', async () => (await eventsFor('probe-fail')).filter((e) => e.reason === 'Unhealthy').at(0));
    assert.equal(unhealthy.type, 'Warning');
    assert.equal(unhealthy.message, 'Readiness probe failed: not ready, FOO=bar\n');
    assert.equal(unhealthy.source?.component, 'kubelet');
    assert.equal(isReady(await pod('probe-fail')), false);
    // the probe keeps failing, every 100 ms until a first success: still the one event, counted once
    await new Promise((r) => setTimeout(r, 3_000));
    const all = (await eventsFor('probe-fail')).filter((e) => e.reason === 'Unhealthy');
    assert.equal(all.length, 1, JSON.stringify(all));
    assert.equal(all[0]!.count ?? 1, 1);
  });
});
