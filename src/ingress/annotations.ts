// The ingress-nginx annotations podnet honours, parsed and validated. Values
// follow ingress-nginx's documented formats (docs/user-guide/nginx-configuration/
// annotations.md); an invalid value is ignored with a warning. Any other
// annotation under nginx.ingress.kubernetes.io/ is one ingress-nginx may
// implement and podnet does not: ignored, with an UnsupportedAnnotation
// warning (an allowlist, an auth or a redirect silently dropped would leave a
// route open that its author believes closed). Other annotations are not ours.

import { isCIDR, isIP } from '../api/validation/ip.js';
import { parseGoBool } from '../api/go-bool.js';

export const ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

export const DEFAULT_PROXY_CONNECT_TIMEOUT_S = 5;
export const DEFAULT_PROXY_READ_TIMEOUT_S = 60;
export const DEFAULT_PROXY_SEND_TIMEOUT_S = 60;
export const DEFAULT_PROXY_BODY_SIZE = '1m';

export type BackendProtocol = 'HTTP' | 'HTTPS';

export interface RouteOptions {
  /** nginx `rewrite` replacement; `$1`… refer to the path's capture groups */
  rewriteTarget?: string;
  useRegex: boolean;
  sslRedirect: boolean;
  proxyConnectTimeoutS: number;
  proxyReadTimeoutS: number;
  proxySendTimeoutS: number;
  /** nginx size syntax (`1m`, `512k`, `0` = unlimited) */
  proxyBodySize: string;
  backendProtocol: BackendProtocol;
  /** allowlist-source-range (whitelist-source-range, its older name): only these sources; [] denies all */
  allowlist?: string[];
}

export interface AnnotationProblem { annotation: string; message: string; reason: 'InvalidAnnotation' | 'UnsupportedAnnotation' }

/** The annotations podnet implements (each name after the prefix). */
const SUPPORTED = new Set(['use-regex', 'ssl-redirect', 'proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout', 'proxy-body-size',
  'backend-protocol', 'rewrite-target', 'allowlist-source-range', 'whitelist-source-range']);

const SECONDS = /^\d{1,6}$/;
const SIZE = /^\d{1,9}[kKmMgG]?$/;
/** `rewrite` replacement is one nginx token: no whitespace, quotes, braces or `;`. */
const REWRITE_TARGET = /^[^\s"'{};\\]+$/;
/**
 * The only `$` a rewrite-target may hold: a capture group of the path, `$1`…`$9`
 * (nginx's script compiler knows single-digit captures; `$12` is `$1` then "2").
 * ingress-nginx documents rewrite-target as "regular characters and captured
 * groups specified as '$1', '$2', etc.". Any other `$` is an NGINX variable, and
 * a misspelt one (`$nosuchvar`) makes NGINX reject the whole conf with an error
 * that names no line (`unknown "nosuchvar" variable`), so it could not be
 * traced to this Ingress. `${1}` is refused too: nginx 1.22 reads it as a
 * variable named "1" and rejects the conf the same way.
 */
const CAPTURE_REFERENCE = /\$[1-9]/g;

export function parseAnnotations(annotations: Record<string, string> | undefined): { options: RouteOptions; problems: AnnotationProblem[] } {
  const a = annotations ?? {};
  const problems: AnnotationProblem[] = [];
  const get = (name: string) => a[ANNOTATION_PREFIX + name];
  const bad = (name: string, value: string, expected: string) =>
    problems.push({ annotation: ANNOTATION_PREFIX + name, reason: 'InvalidAnnotation', message: `invalid value ${JSON.stringify(value)} for annotation ${ANNOTATION_PREFIX}${name}: ${expected}; ignored` });

  const flag = (name: string, dflt: boolean): boolean => {
    const v = get(name);
    if (v === undefined) return dflt;
    const b = parseGoBool(v);
    if (b === undefined) { bad(name, v, 'expected a boolean ("true", "false", "1", "0", …)'); return dflt; }
    return b;
  };
  const seconds = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    if (!SECONDS.test(v) || Number(v) === 0) { bad(name, v, 'expected a positive number of seconds'); return dflt; }
    return Number(v);
  };

  const options: RouteOptions = {
    useRegex: flag('use-regex', false),
    sslRedirect: flag('ssl-redirect', true),
    proxyConnectTimeoutS: seconds('proxy-connect-timeout', DEFAULT_PROXY_CONNECT_TIMEOUT_S),
    proxyReadTimeoutS: seconds('proxy-read-timeout', DEFAULT_PROXY_READ_TIMEOUT_S),
    proxySendTimeoutS: seconds('proxy-send-timeout', DEFAULT_PROXY_SEND_TIMEOUT_S),
    proxyBodySize: DEFAULT_PROXY_BODY_SIZE,
    backendProtocol: 'HTTP',
  };

  const size = get('proxy-body-size');
  if (size !== undefined) {
    if (SIZE.test(size)) options.proxyBodySize = size.toLowerCase();
    else bad('proxy-body-size', size, 'expected a size such as 8m, 512k or 0');
  }
  const protocol = get('backend-protocol');
  if (protocol !== undefined) {
    const p = protocol.toUpperCase();
    if (p === 'HTTP' || p === 'HTTPS') options.backendProtocol = p;
    else bad('backend-protocol', protocol, 'podnet supports HTTP and HTTPS');
  }
  const target = get('rewrite-target');
  if (target !== undefined) {
    const withoutCaptures = target.replace(CAPTURE_REFERENCE, 'N');
    if (!REWRITE_TARGET.test(withoutCaptures)) bad('rewrite-target', target, 'must be one token without whitespace, quotes, braces, ";" or "\\"');
    else if (withoutCaptures.includes('$')) bad('rewrite-target', target, '"$" may only refer to a capture group of the path, $1 to $9');
    else options.rewriteTarget = target;
  }
  // allowlist-source-range, else its older name
  const allowName = get('allowlist-source-range') !== undefined ? 'allowlist-source-range' : 'whitelist-source-range';
  const allow = get(allowName);
  if (allow !== undefined) {
    const ranges = allow.split(',').map((r) => r.trim()).filter(Boolean);
    const badRange = ranges.find((r) => !isIP(r) && !isCIDR(r));
    if (badRange !== undefined) {
      // closed rather than open: the author meant to restrict this route
      problems.push({ annotation: ANNOTATION_PREFIX + allowName, reason: 'InvalidAnnotation', message: `invalid value ${JSON.stringify(allow)} for annotation ${ANNOTATION_PREFIX}${allowName}: ${JSON.stringify(badRange)} is not an IP address or CIDR; every source is denied` });
      options.allowlist = [];
    } else {
      options.allowlist = ranges;
    }
  }
  for (const key of Object.keys(a).sort()) {
    if (!key.startsWith(ANNOTATION_PREFIX) || SUPPORTED.has(key.slice(ANNOTATION_PREFIX.length))) continue;
    problems.push({ annotation: key, reason: 'UnsupportedAnnotation', message: `annotation ${key} is not implemented by podnet's controller (docs/ingress.md lists the ones that are); ignored` });
  }
  return { options, problems };
}

/** ingress-nginx: use-regex or rewrite-target on any Ingress of a host turns every path of that host into a regex location. */
export function wantsRegex(options: RouteOptions): boolean {
  return options.useRegex || options.rewriteTarget !== undefined;
}
