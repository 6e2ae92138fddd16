// The certificate NGINX presents for unknown SNI names and hosts without TLS
// (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate"). node:crypto
// cannot issue X.509 certificates, so openssl makes it once through the runner;
// later starts reuse the files.

import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Runner } from '../net/runner.js';
import type { CertFiles } from './nginx-conf.js';

export const DEFAULT_CERT_SUBJECT = '/O=podnet/CN=podnet Ingress Controller Default Certificate';
export const DEFAULT_CERT_DAYS = '3650';

/** Where ensureDefaultCert puts the files: known before they exist, so a conf can be rendered meanwhile. */
export function defaultCertFiles(dir: string): CertFiles {
  return { certPath: path.join(dir, 'default.crt'), keyPath: path.join(dir, 'default.key') };
}

export async function ensureDefaultCert(dir: string, runner: Runner): Promise<CertFiles> {
  const files = defaultCertFiles(dir);
  try {
    await access(files.certPath);
    await access(files.keyPath);
    return files;
  } catch {
    // not there yet
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await runner.run([
    'openssl', 'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', files.keyPath, '-out', files.certPath, '-days', DEFAULT_CERT_DAYS, '-subj', DEFAULT_CERT_SUBJECT,
  ]);
  return files;
}
