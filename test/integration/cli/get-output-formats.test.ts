// `podnet get -o jsonpath=…`, `jsonpath-file=`, `jsonpath-as-json=`,
// `custom-columns=`, `custom-columns-file=` and `--no-headers` against a real
// (bare, one-node) cluster: what a tutorial's scripts read out of `get`, from
// the objects every cluster has (node-1, default/kubernetes, the default
// StorageClass standard).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { downOrKill, podnet } from '../../support/cli.js';

const CLUSTER = 'itgetfmt';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itgetfmt-'));
const pn = podnet(CLUSTER, stateDir);

before(async () => {
  const up = await pn(['up', '--bare', '--nodes', '1']);
  assert.equal(up.code, 0, up.stderr);
});

after(async () => {
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
});

async function get(...args: string[]): Promise<string> {
  const r = await pn(['get', ...args]);
  assert.equal(r.code, 0, `get ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('-o jsonpath: a field of one object, a range over a list, and the same read from a file', async () => {
  assert.equal(await get('svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'), '10.96.0.1');
  assert.equal(await get('nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'), 'node-1 True\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-itgetfmt-files-'));
  try {
    const template = path.join(dir, 'template');
    writeFileSync(template, '{.items[*].metadata.name}');
    assert.equal(await get('sc', '-o', `jsonpath-file=${template}`), 'standard');
    const columns = path.join(dir, 'columns');
    writeFileSync(columns, 'CLASS PROVISIONER\n.metadata.name .provisioner\n');
    assert.equal(await get('sc', '-o', `custom-columns-file=${columns}`, '--no-headers'), 'CLASS      PROVISIONER\nstandard   podnet.io/claim-directory\n', 'a file\'s header stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-o jsonpath-as-json: the results as a JSON array', async () => {
  assert.deepEqual(JSON.parse(await get('ns', 'default', '-o', 'jsonpath-as-json={.status.phase}')), ['Active']);
});

test('-o custom-columns, with and without --no-headers; <none> where the path finds nothing', async () => {
  assert.equal(await get('svc', '-n', 'default', '-o', 'custom-columns=NAME:.metadata.name,IP:.spec.clusterIP,LB:.status.loadBalancer.ingress'),
    'NAME         IP          LB\nkubernetes   10.96.0.1   <none>\n');
  assert.equal(await get('svc', '-n', 'default', '-o', 'custom-columns=NAME:.metadata.name,IP:.spec.clusterIP', '--no-headers'), 'kubernetes   10.96.0.1\n');
  // the rows alone, aligned among themselves (STATUS no longer widens its column)
  assert.match(await get('nodes', '--no-headers'), /^node-1   Ready   <none>   \S+\s+v1\.31\.0-podnet\n$/);
});

test('a bad template fails before anything is printed, in kubectl\'s words', async () => {
  const r = await pn(['get', 'nodes', '-o', 'jsonpath={.items[*']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: /);
  const none = await pn(['get', 'nodes', '-o', 'custom-columns=']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /custom-columns format specified but no custom columns given/);
});
