// The cluster's root CA: the certificate every namespace's kube-root-ca.crt
// ConfigMap carries (src/controllers/root-ca-publisher.ts), as a kubeadm
// cluster's /etc/kubernetes/pki/ca.crt. Made once per cluster in its state
// directory and reused by every later start, so the ConfigMaps and whatever
// pods copied from them stay valid across `podnet up` resumes. node:crypto
// cannot issue X.509 certificates, so openssl makes it through the runner (a
// P-256 key takes a few milliseconds, not worth a start-up wait).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PodnetError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { ensureSelfSignedCert, type CertFiles } from '../self-signed-cert.js';

export const CLUSTER_CA_SUBJECT = '/CN=podnet-ca';
const CLUSTER_CA_DAYS = '3650';
/** stated, not left to the local openssl.cnf: this certificate signs, it serves nothing */
const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign'];

export type ClusterCAFiles = CertFiles;

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
  try {
    await ensureSelfSignedCert(runner, files, { subject: CLUSTER_CA_SUBJECT, days: CLUSTER_CA_DAYS, extensions: CA_EXTENSIONS });
  } catch (err) {
    throw new PodnetError('ECLUSTERCA', `could not make the cluster CA in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return { ...files, certificate: await readFile(files.certPath, 'utf8') };
}
