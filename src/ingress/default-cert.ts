// The certificate NGINX presents for unknown SNI names and hosts without TLS
// (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate"), made once
// by ensureSelfSignedCert; later starts reuse the files.

import path from 'node:path';
import type { Runner } from '../net/runner.js';
import type { CertFiles } from './nginx-conf.js';
import { ensureSelfSignedCert } from '../self-signed-cert.js';

export const DEFAULT_CERT_SUBJECT = '/O=podnet/CN=podnet Ingress Controller Default Certificate';
export const DEFAULT_CERT_DAYS = '3650';

/** Where ensureDefaultCert puts the files: known before they exist, so a conf can be rendered meanwhile. */
export function defaultCertFiles(dir: string): CertFiles {
  return { certPath: path.join(dir, 'default.crt'), keyPath: path.join(dir, 'default.key') };
}

export async function ensureDefaultCert(dir: string, runner: Runner): Promise<CertFiles> {
  const files = defaultCertFiles(dir);
  await ensureSelfSignedCert(runner, files, { subject: DEFAULT_CERT_SUBJECT, days: DEFAULT_CERT_DAYS });
  return files;
}
