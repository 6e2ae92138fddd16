// Durability: a daemon killed with SIGKILL mid-write loses no acknowledged
// write, and a restart keeps Service allocations (they are rebuilt from the
// stored Services).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from '../../../src/client/http-client.js';
import { isApiError } from '../../../src/errors.js';
import type { Service } from '../../../src/api/types.js';

const MAIN = fileURLToPath(new URL('../../../src/apiserver/main.js', import.meta.url));
const WRITERS = 8;
const KILL_AFTER_ACKS = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-crash-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function startDaemon(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, '--database', path.join(dir, 'store.db'), '--socket', path.join(dir, 'api.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`daemon exited early (${code})`)));
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(child); });
  });
}

test('kill -9 mid-way loses no acknowledged create, and allocations survive the restart', { timeout: 60_000 }, async () => {
  const daemon = await startDaemon();
  const client = new HttpClient({ socketPath: path.join(dir, 'api.sock') });
  const acked = new Map<string, Service>();
  let n = 0;
  let killed = false;
  const writer = async () => {
    while (!killed) {
      const i = n++;
      const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { type: 'NodePort', selector: { app: `a${i}` }, ports: [{ port: 80 }] } };
      try {
        const created = await client.create(svc);
        acked.set(created.metadata.name!, created);
        if (acked.size >= KILL_AFTER_ACKS && !killed) {
          killed = true;
          daemon.kill('SIGKILL'); // other writers still have requests in flight
        }
      } catch {
        return; // the connection died with the daemon: this create was never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  client.close();
  await new Promise((r) => (daemon.exitCode !== null || daemon.signalCode !== null ? r(undefined) : daemon.once('exit', r)));
  assert.equal(daemon.signalCode, 'SIGKILL');
  assert.ok(fs.existsSync(path.join(dir, 'api.sock')), 'the killed daemon left its socket behind');

  const again = await startDaemon();
  const c2 = new HttpClient({ socketPath: path.join(dir, 'api.sock') });
  try {
    const stored = new Map((await c2.list<Service>('services', 'default')).items.map((s) => [s.metadata.name!, s]));
    for (const [name, svc] of acked) {
      const s = stored.get(name);
      assert.ok(s, `acknowledged ${name} survived`);
      assert.equal(s.metadata.uid, svc.metadata.uid);
      assert.equal(s.spec.clusterIP, svc.spec.clusterIP);
      assert.equal(s.spec.ports![0]!.nodePort, svc.spec.ports![0]!.nodePort);
    }
    // the restarted allocator knows every port and IP that is stored
    const taken = [...acked.values()][0]!;
    await assert.rejects(c2.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup-port', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: taken.spec.ports![0]!.nodePort }] } }),
      (e) => isApiError(e, 'Invalid') && e.message.endsWith('provided port is already allocated'));
    await assert.rejects(c2.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup-ip', namespace: 'default' }, spec: { clusterIP: taken.spec.clusterIP, ports: [{ port: 80 }] } }),
      (e) => isApiError(e, 'Invalid') && e.message.endsWith('provided IP is already allocated'));
    const all = [...stored.values()];
    assert.equal(new Set(all.map((s) => s.spec.clusterIP)).size, all.length, 'no IP handed out twice');
    const fresh = await c2.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-restart', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    assert.ok(!all.some((s) => s.spec.clusterIP === fresh.spec.clusterIP || s.spec.ports?.[0]?.nodePort === fresh.spec.ports![0]!.nodePort));
  } finally {
    c2.close();
    again.kill('SIGTERM');
    await new Promise((r) => again.once('exit', r));
  }
});
