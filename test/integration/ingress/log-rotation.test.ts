// The access log is bounded: past its size limit it is renamed to access.log.1
// and NGINX reopens its logs (SIGUSR1), after which the workers — running as
// an unprivileged user — write into the fresh file. Real NGINX on loopback.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { buildRouteTable } from '../../../src/ingress/route-table.js';
import { accessLogPath, errorLogPath } from '../../../src/ingress/nginx-conf.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { get, startBackend, stopBackend, TestNginx, type Backend } from './harness.js';

/** small enough that a few dozen requests pass it */
const MAX_BYTES = 4096;
const nginx = new TestNginx();
let backend: Backend | undefined;

before(async () => {
  // the timer never fires during the test (an hour): the test rotates by calling rotateLogs(), no timing involved
  await nginx.start({ maxBytes: MAX_BYTES, keep: 1, intervalMs: 3_600_000 });
  backend = await startBackend('echo');
  const r = await nginx.apply(buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('logged', { rules: [{ host: 'log.test', paths: [{ svc: 'echo' }] }] })],
    services: [service('echo')],
    endpointSlices: [slice('echo', ['127.0.0.1'], { port: backend.port })],
  }));
  assert.equal(r.action, 'started');
});

after(async () => {
  await nginx.stop();
  if (backend) await stopBackend(backend);
});

const size = async (file: string) => (await stat(file).catch(() => undefined))?.size ?? 0;

/** Polls until `file` holds a line containing `text` (the log is flushed at least every 100 ms). */
async function lineIn(file: string, text: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await readFile(file, 'utf8').catch(() => '')).includes(text)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * How many times NGINX's workers have reopened their logs. The reopen is a
 * signal (SIGUSR1 to the master, which passes it on), so it lands a moment
 * after rotateLogs() returns: a request served before it is logged, rightly,
 * in the renamed file.
 */
async function workerReopens(): Promise<number> {
  const text = await readFile(errorLogPath(nginx.options.runtimeDir), 'utf8').catch(() => '');
  return [...text.matchAll(/\[notice\] (\d+)#\d+: reopening logs$/gm)].filter((m) => Number(m[1]) !== nginx.proc.pid).length;
}

test('past its limit the access log is rotated and NGINX writes a fresh one', async () => {
  const log = accessLogPath(nginx.options.runtimeDir);
  const port = nginx.options.httpPort;
  assert.deepEqual(await nginx.proc.rotateLogs(), [], 'below the limit: nothing to do');
  for (let i = 0; (await size(log)) < MAX_BYTES; i++) {
    assert.ok(i < 500, 'the access log grows');
    await get(port, 'log.test', `/before-${i}`);
    if (i % 10 === 9) await lineIn(log, `/before-${i}`);
  }
  const reopened = await workerReopens();
  assert.deepEqual(await nginx.proc.rotateLogs(), [log]);
  for (let i = 0; (await workerReopens()) === reopened; i++) {
    assert.ok(i < 250, 'the workers reopen their logs');
    await new Promise((r) => setTimeout(r, 20));
  }

  assert.equal((await get(port, 'log.test', '/after-rotation')).status, 200);
  assert.ok(await lineIn(log, '/after-rotation'), 'the request after the reopen is logged in the new access.log');
  assert.ok(await lineIn(`${log}.1`, '/before-0'), 'the old lines are in access.log.1');
  assert.ok(!(await readFile(`${log}.1`, 'utf8')).includes('/after-rotation'));
  assert.ok((await size(log)) < MAX_BYTES);
});
