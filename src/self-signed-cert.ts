// A self-signed certificate and its key, made once by openssl (node:crypto
// cannot issue X.509 certificates) through the project's runner, and reused
// by every later start: the ingress controller's default certificate and the
// cluster's root CA.

import { access, chmod, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Runner } from './net/runner.js';

export interface CertFiles { certPath: string; keyPath: string }

export interface SelfSignedCertOptions {
  /** openssl's -subj, e.g. /CN=podnet-ca */
  subject: string;
  days: string;
  /** openssl -addext values (basicConstraints, keyUsage, …) */
  extensions?: readonly string[];
}

const KEY_MODE = 0o600;

async function exists(file: string): Promise<boolean> {
  try { await access(file); return true; } catch { return false; }
}

/**
 * Makes the pair unless both files are there. openssl writes temporary
 * names, then the key and last the certificate are renamed into place: a
 * start that dies half-way leaves no certificate, so the next one makes the
 * pair again instead of trusting a certificate whose key is missing or half
 * written. An EC P-256 key: a few milliseconds.
 */
export async function ensureSelfSignedCert(runner: Runner, files: CertFiles, o: SelfSignedCertOptions): Promise<void> {
  if (await exists(files.certPath) && await exists(files.keyPath)) return;
  await mkdir(path.dirname(files.certPath), { recursive: true, mode: 0o700 });
  const tmpCert = `${files.certPath}.tmp-${process.pid}`;
  const tmpKey = `${files.keyPath}.tmp-${process.pid}`;
  try {
    await runner.run([
      'openssl', 'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', tmpKey, '-out', tmpCert, '-days', o.days, '-subj', o.subject,
      ...(o.extensions ?? []).flatMap((e) => ['-addext', e]),
    ]);
    // OpenSSL 3 already writes 0600; older ones follow the umask
    await chmod(tmpKey, KEY_MODE);
    await rename(tmpKey, files.keyPath);
    await rename(tmpCert, files.certPath);
  } finally {
    await Promise.all([rm(tmpCert, { force: true }), rm(tmpKey, { force: true })]);
  }
}
