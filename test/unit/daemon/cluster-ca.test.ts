import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLUSTER_CA_SUBJECT, clusterCAFiles, ensureClusterCA } from '../../../src/daemon/cluster-ca.js';
import { isApiError, PodnetError } from '../../../src/errors.js';
import { defaultRunner, RecordingRunner } from '../../../src/net/runner.js';

const noOpenssl = spawnSync('openssl', ['version']).status !== 0 && 'openssl is not installed';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-ca-'));
  dirs.push(dir);
  return dir;
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('the cluster CA is a self-signed CA certificate openssl reads, with its key 0600', { skip: noOpenssl }, async () => {
  const dir = stateDir();
  const ca = await ensureClusterCA(dir, defaultRunner);
  assert.deepEqual({ certPath: ca.certPath, keyPath: ca.keyPath }, clusterCAFiles(dir));
  assert.equal(ca.certificate, readFileSync(ca.certPath, 'utf8'));
  assert.match(ca.certificate, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  const cn = CLUSTER_CA_SUBJECT.replace('/CN=', '');
  assert.equal(openssl('x509', '-noout', '-subject', '-in', ca.certPath).trim(), `subject=CN = ${cn}`);
  assert.equal(openssl('x509', '-noout', '-issuer', '-in', ca.certPath).trim(), `issuer=CN = ${cn}`);
  assert.match(openssl('x509', '-noout', '-ext', 'basicConstraints', '-in', ca.certPath), /critical\n\s+CA:TRUE/);
  // the key is the certificate's: both give the same public key
  assert.equal(openssl('pkey', '-pubout', '-in', ca.keyPath), openssl('x509', '-noout', '-pubkey', '-in', ca.certPath));
  assert.equal(statSync(ca.keyPath).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['ca.crt', 'ca.key'], 'no temporary files left');
});

test('a later start reuses the CA without running openssl', { skip: noOpenssl }, async () => {
  const dir = stateDir();
  const first = await ensureClusterCA(dir, defaultRunner);
  const key = readFileSync(first.keyPath, 'utf8');
  const runner = new RecordingRunner();
  const again = await ensureClusterCA(dir, runner);
  assert.deepEqual(runner.calls, []);
  assert.equal(again.certificate, first.certificate);
  assert.equal(readFileSync(again.keyPath, 'utf8'), key);
});

test('a certificate without its key (a start that died half-way) is made anew', { skip: noOpenssl }, async () => {
  const dir = stateDir();
  const first = await ensureClusterCA(dir, defaultRunner);
  rmSync(first.keyPath);
  const again = await ensureClusterCA(dir, defaultRunner);
  assert.notEqual(again.certificate, first.certificate);
  assert.equal(openssl('pkey', '-pubout', '-in', again.keyPath), openssl('x509', '-noout', '-pubkey', '-in', again.certPath));
});

test('openssl failing is an ECLUSTERCA error naming the directory, and leaves no files', async () => {
  const dir = stateDir();
  const runner = new RecordingRunner((argv) => {
    // openssl may have written part of its output before failing
    writeFileSync(argv[argv.indexOf('-out') + 1]!, 'partial');
    return { code: 1, stderr: 'req: unknown option' };
  });
  await assert.rejects(ensureClusterCA(dir, runner), (err: unknown) => {
    assert.ok(err instanceof PodnetError && !isApiError(err));
    assert.equal(err.code, 'ECLUSTERCA');
    assert.match(err.message, new RegExp(`^could not make the cluster CA in ${dir}: openssl req .* failed \\(exit 1\\): req: unknown option$`));
    return true;
  });
  assert.equal(runner.calls[0]!.argv[0], 'openssl');
  assert.deepEqual(readdirSync(dir), []);
});
