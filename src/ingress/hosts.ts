// Ingress host semantics (networking.k8s.io/v1 IngressRule.host): an exact,
// case-insensitive name; `*.example.com` matches exactly one leftmost DNS label
// (`a.example.com`, not `example.com` nor `a.b.example.com`); '' (no host) is
// the catch-all. An exact host always beats a wildcard.

export const CATCH_ALL_HOST = '';

export function normalizeHost(host: string | undefined): string {
  return (host ?? '').trim().toLowerCase().replace(/\.$/, '');
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*.');
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a rule host cannot be served, or undefined. (The API server validates too; this guards nginx.conf.) */
export function invalidHostReason(host: string): string | undefined {
  if (host === CATCH_ALL_HOST) return undefined;
  const labels = (isWildcard(host) ? host.slice(2) : host).split('.');
  if (labels.length < (isWildcard(host) ? 2 : 1) || !labels.every((l) => LABEL.test(l))) {
    return `host ${JSON.stringify(host)} is not a valid DNS name or one-label wildcard`;
  }
  return undefined;
}

export function wildcardMatches(wildcard: string, host: string): boolean {
  const suffix = wildcard.slice(1); // ".example.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.');
}

/**
 * A name list (spec.tls[].hosts, a certificate's DNS names) covers a rule host
 * when it lists that host, or a one-label wildcard matching it; a wildcard rule
 * host is covered only by the same wildcard.
 */
export function namesCover(names: readonly string[], host: string): boolean {
  return names.some((n) => n === host || (isWildcard(n) && !isWildcard(host) && wildcardMatches(n, host)));
}

/** The request's Host header without port, lowercased (RFC 9110 §7.2; hosts compare case-insensitively). */
export function requestHost(hostHeader: string): string {
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.replace(/\.$/, '');
}

/** A Gateway API wildcard: `*.example.com` matches any name ending in `.example.com`, of any depth. */
export function suffixWildcardMatches(wildcard: string, host: string): boolean {
  return host.endsWith(wildcard.slice(1)) && host.length > wildcard.length - 1;
}

/**
 * Exact host, then the longest Gateway API (any-depth) wildcard, then the
 * one-label wildcard, then the catch-all: the order nginx's server_name
 * selection gives our rendering (exact names, wildcard names longest first,
 * regular expressions in order).
 */
export function selectHost<T extends { host: string; anyDepth?: boolean }>(vhosts: readonly T[], hostHeader: string): T | undefined {
  const h = requestHost(hostHeader);
  const suffixes = vhosts.filter((v) => v.anyDepth && suffixWildcardMatches(v.host, h)).sort((a, b) => b.host.length - a.host.length);
  return vhosts.find((v) => v.host === h && !v.anyDepth)
    ?? suffixes[0]
    ?? vhosts.find((v) => isWildcard(v.host) && !v.anyDepth && wildcardMatches(v.host, h))
    ?? vhosts.find((v) => v.host === CATCH_ALL_HOST);
}
