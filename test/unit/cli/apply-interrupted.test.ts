// `podnet apply` when the daemon stops half-way: what was applied before it
// stopped is still reported, one line per object, and the one error line
// last. Regression: only `error: cluster "X" is not running…` was printed
// although hundreds of objects had been created.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '../../../src/client/client.js';
import type { KubeObject } from '../../../src/api/types.js';
import { applyManifests } from '../../../src/cli/commands/apply.js';
import type { Context } from '../../../src/cli/context.js';
import { ApiError, PodnetError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pn-apply-stopped-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOT_RUNNING = 'cluster "c" is not running (nothing listens on its API socket /x/api.sock: its daemon has stopped); start it with: podnet up --cluster c';

function manifest(names: string[]): string {
  const file = path.join(dir, `${names.join('-')}.yaml`);
  writeFileSync(file, names.map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\n`).join('---\n'));
  return file;
}

function apiError(code: number, reason: string, message: string): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code, reason, message });
}

/**
 * A daemon that creates the first `alive` objects, then is gone: every later
 * request fails as the CLI's client fails on a refused socket. `refused`: a
 * name it refuses to create (answered while it still ran, and not found).
 */
function stoppingDaemon(alive: number, refused?: string): Context {
  let created = 0;
  const gone = () => new PodnetError('ENOCLUSTER', NOT_RUNNING);
  const client = {
    create: async (obj: KubeObject) => {
      if (obj.metadata.name === refused) throw apiError(403, 'Forbidden', `configmaps "${refused}" is forbidden`);
      if (created++ >= alive) throw gone();
      return obj;
    },
    get: async (_plural: string, _ns: string, name: string) => {
      if (name !== refused) throw gone();
      throw apiError(404, 'NotFound', `configmaps "${name}" not found`);
    },
  } as unknown as Client;
  return { cluster: 'c', paths: {} as Context['paths'], client: () => client, ready: async () => {} };
}

test('regression: the daemon stops after 3 of 5 objects: their 3 lines, then the one error line', async () => {
  const r = await applyManifests(stoppingDaemon(3), [manifest(['a', 'b', 'c', 'd', 'e'])]);
  assert.deepEqual(r, {
    applied: ['configmap/a created', 'configmap/b created', 'configmap/c created'],
    errors: [`error: ${NOT_RUNNING}`],
  });
});

test('a daemon stopped before the first object: no lines, the one error line', async () => {
  const r = await applyManifests(stoppingDaemon(0), [manifest(['f', 'g'])]);
  assert.deepEqual(r, { applied: [], errors: [`error: ${NOT_RUNNING}`] });
});

test('a document refused before the daemon stopped keeps its own error; the stop is said once, last', async () => {
  const r = await applyManifests(stoppingDaemon(2, 'bad'), [manifest(['h', 'bad', 'i', 'j', 'k'])]);
  assert.deepEqual(r.applied, ['configmap/h created', 'configmap/i created']);
  assert.equal(r.errors.length, 2, r.errors.join('\n'));
  assert.match(r.errors[0]!, /^Error from server \(Forbidden\): error when creating ".*": configmaps "bad" is forbidden$/);
  assert.equal(r.errors[1], NOT_RUNNING, 'several errors are printed without "error: ", as kubectl prints MultipleErrors');
});
