// The host names a TLS certificate is valid for, read with node:crypto's
// X509Certificate: its subjectAltName DNS names, or (no DNS SAN at all) its
// subject CN, the legacy fallback RFC 6125 §6.4.4 allows. Used for tls entries
// that list no hosts: ingress-nginx then matches the Ingress's rule hosts
// against the certificate (extractTLSSecretName → VerifyHostname).

import { X509Certificate } from 'node:crypto';
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
