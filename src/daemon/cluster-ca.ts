// The cluster's root CA: the certificate every namespace's kube-root-ca.crt
// ConfigMap carries (src/controllers/root-ca-publisher.ts), as a kubeadm
// cluster's /etc/kubernetes/pki/ca.crt. Made once per cluster in its state
// directory and reused by every later start, so the ConfigMaps and whatever
// pods copied from them stay valid across `podnet up` resumes. node:crypto
// cannot issue X.509 certificates, so openssl makes it through the runner (a
// P-256 key takes a few milliseconds, not worth a start-up wait).

import { access, chmod, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PodnetError } from '../errors.js';
import type { Runner } from '../net/runner.js';

export const CLUSTER_CA_SUBJECT = '/CN=podnet-ca';
const CLUSTER_CA_DAYS = '3650';
const KEY_MODE = 0o600;

export interface ClusterCAFiles { certPath: string; keyPath: string }

export interface ClusterCA extends ClusterCAFiles {
  /** the certificate, PEM-encoded */
  certificate: string;
}

export function clusterCAFiles(dir: string): ClusterCAFiles {
  return { certPath: path.join(dir, 'ca.crt'), keyPath: path.join(dir, 'ca.key') };
}

/** The CA in dir: the one made by an earlier start, or a new one. */
export async function ensureClusterCA(dir: string, runner: Runner): Promise<ClusterCA> {
  const files = clusterCAFiles(dir);
  if (!(await exists(files.certPath)) || !(await exists(files.keyPath))) await makeClusterCA(files, runner);
  return { ...files, certificate: await readFile(files.certPath, 'utf8') };
}

/**
 * openssl writes temporary names, then the key and last the certificate are
 * renamed into place: a start that dies half-way leaves no certificate, so the
 * next start makes the pair again instead of trusting a certificate whose key
 * is missing or half written.
 */
async function makeClusterCA(files: ClusterCAFiles, runner: Runner): Promise<void> {
  const tmpCert = `${files.certPath}.tmp-${process.pid}`;
  const tmpKey = `${files.keyPath}.tmp-${process.pid}`;
  try {
    await runner.run([
      'openssl', 'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', tmpKey, '-out', tmpCert, '-days', CLUSTER_CA_DAYS, '-subj', CLUSTER_CA_SUBJECT,
      // stated, not left to the local openssl.cnf: this certificate signs, it serves nothing
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    ]);
    // OpenSSL 3 already writes 0600; older ones follow the umask, and the state directory is world-readable
    await chmod(tmpKey, KEY_MODE);
    await rename(tmpKey, files.keyPath);
    await rename(tmpCert, files.certPath);
  } catch (err) {
    throw new PodnetError('ECLUSTERCA', `could not make the cluster CA in ${path.dirname(files.certPath)}: ${(err as Error).message}`, { cause: err });
  } finally {
    await Promise.all([rm(tmpCert, { force: true }), rm(tmpKey, { force: true })]);
  }
}

async function exists(file: string): Promise<boolean> {
  try { await access(file); return true; } catch { return false; }
}
