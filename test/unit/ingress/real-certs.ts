// Real self-signed certificates for the tests that read a certificate's names
// (tls entries without hosts): openssl makes them, as default-cert.ts does.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RealCert { cert: string; key: string }

/** A P-256 certificate with subject CN `cn` and, when given, these DNS subjectAltNames. */
export function makeRealCert(cn: string, sans: string[] = []): RealCert {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-cert-'));
  try {
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    execFileSync('openssl', [
      'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${cn}`,
      ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`] : []),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
