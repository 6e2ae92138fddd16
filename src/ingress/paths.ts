// Ingress path semantics (networking.k8s.io/v1 HTTPIngressPath, "Path types"
// and "Examples" in the Ingress concept docs), independent of NGINX:
//   Exact  — the URL path must equal the rule's path, case-sensitively.
//   Prefix — element-wise prefix on '/': `/foo` matches `/foo`, `/foo/`,
//            `/foo/bar`, never `/foobar`; a trailing '/' in the rule is ignored.
//   ImplementationSpecific — podnet treats it exactly as Prefix (docs/ingress.md).
// A host whose Ingresses ask for regex paths (use-regex or rewrite-target, as in
// ingress-nginx) matches every non-Exact path as a case-insensitive regex
// anchored at the start instead; see regexOrder().

import type { PathType } from '../api/types.js';

export type MatchKind = 'exact' | 'prefix' | 'regex';

/** Prefix rule paths lose their trailing slash (`/foo/` ≡ `/foo`); `/` stays `/`. */
export function normalizePrefix(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export function matchKind(pathType: PathType | undefined, regexHost: boolean): MatchKind {
  if (pathType === 'Exact') return 'exact';
  return regexHost ? 'regex' : 'prefix';
}

/** The path as the matcher sees it: normalized for Prefix, verbatim otherwise. */
export function effectivePath(path: string, kind: MatchKind): string {
  return kind === 'prefix' ? normalizePrefix(path) : path;
}

export function prefixMatches(rulePath: string, requestPath: string): boolean {
  if (rulePath === '/') return true;
  return requestPath === rulePath || requestPath.startsWith(`${rulePath}/`);
}

/** ingress-nginx renders regex paths as `location ~* "^<path>"`: case-insensitive, anchored at the start only. */
export function regexMatches(rulePath: string, requestPath: string): boolean {
  try {
    return new RegExp(`^${rulePath}`, 'i').test(requestPath);
  } catch {
    return false;
  }
}

export function pathMatches(kind: MatchKind, rulePath: string, requestPath: string): boolean {
  switch (kind) {
    case 'exact': return rulePath === requestPath;
    case 'prefix': return prefixMatches(rulePath, requestPath);
    case 'regex': return regexMatches(rulePath, requestPath);
  }
}

/**
 * Order of precedence among matching paths (Ingress docs, "Multiple matches"):
 * the longest path first; on equal length Exact before Prefix. Negative when `a`
 * wins. Ties beyond that fall back to the path text so the order is total.
 */
export function comparePrecedence(a: { kind: MatchKind; path: string }, b: { kind: MatchKind; path: string }): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  const rank = (k: MatchKind) => (k === 'exact' ? 0 : 1);
  if (rank(a.kind) !== rank(b.kind)) return rank(a.kind) - rank(b.kind);
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Characters a path may not hold: it is written into nginx.conf (quoted) and must stay one token. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Internal locations podnet renders into every server; user paths may not shadow them. */
export const RESERVED_PATH_PREFIX = '/__podnet';

/** Why a rule path cannot be served, or undefined when it can. */
export function invalidPathReason(path: string, kind: MatchKind): string | undefined {
  if (!path.startsWith('/')) return 'path must begin with "/"';
  if (CONTROL_CHARS.test(path)) return 'path must not contain control characters';
  if (path.startsWith(RESERVED_PATH_PREFIX)) return `paths under ${RESERVED_PATH_PREFIX} are reserved for the controller`;
  if (kind === 'regex') {
    try {
      new RegExp(`^${path}`, 'i');
    } catch (e) {
      return `path is not a valid regular expression: ${(e as Error).message}`;
    }
  }
  return undefined;
}
