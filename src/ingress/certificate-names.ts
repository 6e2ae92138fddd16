// What node:crypto can tell about a TLS Secret's certificate before NGINX sees
// it. The host names it is valid for: its subjectAltName DNS names, or (no DNS
// SAN at all) its subject CN, the legacy fallback RFC 6125 §6.4.4 allows; used
// for tls entries that list no hosts, whose rule hosts ingress-nginx matches
// against the certificate (extractTLSSecretName → VerifyHostname). And whether
// tls.crt and tls.key are a pair NGINX can load: ingress-nginx checks that too
// (CreateSSLCert → tls.X509KeyPair) and falls back to the default certificate,
// where NGINX itself would refuse the whole configuration.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Secret } from '../api/types.js';
import { normalizeHost } from './hosts.js';

/** Lowercased DNS names of the first certificate in `pem`; undefined when it cannot be parsed. */
export function certificateNames(pem: string): string[] | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  // "DNS:a.example.com, DNS:*.example.com, IP Address:192.0.2.1"
  const sans = (cert.subjectAltName ?? '').split(', ').filter((e) => e.startsWith('DNS:')).map((e) => normalizeHost(e.slice(4)));
  if (sans.length > 0) return sans;
  // "O=podnet\nCN=shop.example.com"
  const cn = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return cn ? [normalizeHost(cn.slice(3))] : [];
}

/**
 * Why NGINX could not load this certificate with this key, in a few words;
 * undefined when they are a pair. Remembered per pair: the route table is
 * rebuilt on every change, and a cluster keeps the same few Secrets.
 */
export function keyPairProblem(certPem: string, keyPem: string): string | undefined {
  const memo = `${certPem}\0${keyPem}`;
  if (pairChecks.has(memo)) return pairChecks.get(memo);
  const problem = checkKeyPair(certPem, keyPem);
  if (pairChecks.size >= PAIR_CHECKS_KEPT) pairChecks.delete(pairChecks.keys().next().value!);
  pairChecks.set(memo, problem);
  return problem;
}

const PAIR_CHECKS_KEPT = 4096;
const pairChecks = new Map<string, string | undefined>();

function checkKeyPair(certPem: string, keyPem: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'tls.crt is not an X.509 certificate';
  }
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem)) ? undefined : 'tls.key is not the private key of the certificate in tls.crt';
  } catch {
    return 'tls.key is not an unencrypted PEM private key';
  }
}

/**
 * A TLS Secret's certificate and key, read as ingress-nginx reads them: the
 * PEM `tls.crt` and `tls.key` of any Secret type. Else why not: `noPem` when
 * either is missing or not PEM, otherwise the two are not a pair.
 */
export function secretKeyPair(secret: Secret): { cert: string; key: string } | { problem: string; noPem: boolean } {
  const decode = (b64: string | undefined) => (b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8'));
  const cert = decode(secret.data?.['tls.crt']);
  const key = decode(secret.data?.['tls.key']);
  if (!cert?.includes('-----BEGIN CERTIFICATE-----') || !key || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    return { problem: 'must hold a PEM tls.crt and tls.key', noPem: true };
  }
  const problem = keyPairProblem(cert, key);
  return problem ? { problem, noPem: false } : { cert, key };
}
