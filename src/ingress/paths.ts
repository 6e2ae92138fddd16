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

/**
 * ingress-nginx renders regex paths as `location ~* "^<path>"`: case-insensitive,
 * anchored at the start only. NGINX compiles them with PCRE2; this answer comes
 * from JavaScript's RegExp after pcreToJs(), so it is an approximation for the
 * constructs JavaScript lacks (see there), and a path JavaScript still cannot
 * compile is skipped: it matches nothing here, though NGINX serves it.
 */
export function regexMatches(rulePath: string, requestPath: string): boolean {
  const re = compileRegexPath(rulePath);
  return re !== undefined && re.test(requestPath);
}

const compiled = new Map<string, RegExp | undefined>();

/** The path as a JavaScript RegExp (`^`, case-insensitive), or undefined when it cannot be made one. */
export function compileRegexPath(rulePath: string): RegExp | undefined {
  if (compiled.has(rulePath)) return compiled.get(rulePath);
  let re: RegExp | undefined;
  try {
    re = new RegExp(`^${pcreToJs(rulePath)}`, 'i');
  } catch {
    re = undefined;
  }
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(rulePath, re);
  return re;
}

/**
 * PCRE2 constructs JavaScript's RegExp refuses, rewritten to the nearest
 * JavaScript: `(?P<n>` → `(?<n>`, `(?P=n)` → `\k<n>`, `(?P>n)` (recursion) left
 * for RegExp to refuse; a leading/inline `(?i)` dropped (the match is
 * case-insensitive already); atomic groups `(?>…)` → `(?:…)` and possessive
 * quantifiers (`a++`, `a*+`, `a?+`, `a{2}+`) → their backtracking form. The last
 * two are approximations: the backtracking form can match where PCRE's would
 * give up, never the other way round. Escapes and character classes are copied
 * as they are.
 */
export function pcreToJs(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') { out += pattern.slice(i, i + 2); i++; continue; }
    if (c === '[') {
      // a class runs to the first unescaped `]` that is not its first character
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      out += pattern.slice(i, j + 1);
      i = j;
      continue;
    }
    const rest = pattern.slice(i);
    if (rest.startsWith('(?P<')) { out += '(?<'; i += 3; continue; }
    const backref = /^\(\?P=(\w+)\)/.exec(rest);
    if (backref) { out += `\\k<${backref[1]}>`; i += backref[0].length - 1; continue; }
    if (rest.startsWith('(?i)')) { i += 3; continue; }
    if (rest.startsWith('(?>')) { out += '(?:'; i += 2; continue; }
    // a `+` right after a quantifier makes it possessive
    if (c === '+' && (/[*+?]$/.test(out) || /\{\d+(,\d*)?\}$/.test(out)) && !/\\[*+?]$/.test(out) && !out.endsWith('(?')) continue;
    out += c;
  }
  return out;
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
/** A literal path as a PCRE pattern (every metacharacter escaped). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Internal locations podnet renders into every server; user paths may not shadow them. */
export const RESERVED_PATH_PREFIX = '/__podnet';

/** Why a rule path cannot be served, or undefined when it can. */
export function invalidPathReason(path: string): string | undefined {
  if (!path.startsWith('/')) return 'path must begin with "/"';
  if (CONTROL_CHARS.test(path)) return 'path must not contain control characters';
  if (path.startsWith(RESERVED_PATH_PREFIX)) return `paths under ${RESERVED_PATH_PREFIX} are reserved for the controller`;
  // A regex path is not checked here: NGINX compiles it with PCRE2, which takes
  // more than JavaScript's RegExp ((?i), (?P<n>…), a++, (?>…)). A pattern PCRE
  // refuses fails the conf at its location's line, which blames this Ingress
  // (attributeConfError): it falls back to its last good version.
  return undefined;
}
