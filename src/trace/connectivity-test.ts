// `podnet test -f FILE`: declarative connectivity tests, who can reach whom
// (pure part). A file lists requests with what should happen to them; each
// runs as one `podnet trace`, and a test that fails prints the trace, so the
// reason is the first layer that stopped (or let through) the request.
//
//   tests:
//     - name: the outside reaches the api through the ingress
//       from: outside
//       url: https://shop.example.test/api/orders
//       expect: reachable          # a pod answered (any status)
//     - from: deploy/frontend       # a pod of it; pod/NAME, sts/NAME, NAME
//       namespace: shop
//       url: http://db.shop:5432/
//       expect: unreachable
//       failsAt: NetworkPolicy     # optional: the layer it must fail at
//     - from: outside
//       url: http://shop.example.test/nope
//       expect: 404                # this HTTP status, whoever answered
//     - from: deploy/api
//       namespace: shop
//       url: tcp://db:5432         # a TCP connection only (nc -z)
//       expect: reachable
//     - from: outside
//       url: http://store.example.test/
//       method: POST               # optional, as trace -X
//       headers: {X-Canary: "yes"} # optional, as trace -H: what an HTTPRoute matches on
//       expect: reachable

import { parse } from 'yaml';
import { field, type FieldError } from '../errors.js';
import type { TraceEvidence } from './evidence.js';
import { FAILURE_LAYERS, type TraceReport } from './explain.js';
import { checkSource, traceURL } from './url.js';

export type Expectation = { kind: 'reachable' } | { kind: 'unreachable'; failsAt?: string } | { kind: 'status'; status: number };

export interface ConnectivityCase {
  name: string;
  /** "outside", or a pod reference as logs and exec take it */
  from: string;
  namespace: string;
  url: string;
  expect: Expectation;
  /** `Name: value`, as trace's -H */
  headers: string[];
  method?: string;
}

export interface Verdict {
  pass: boolean;
  /** what happened, one short phrase */
  got: string;
}

const EXPECTATIONS = ['reachable', 'unreachable'];
const KNOWN_FIELDS = new Set(['name', 'from', 'namespace', 'url', 'expect', 'failsAt', 'method', 'headers']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const METHOD = /^[A-Z]+$/;

/**
 * The tests of a file, or every problem with it as the API server words
 * field errors (`tests[1].url: Required value`): nothing runs when one test
 * is malformed, as nothing of a manifest is applied when one field is.
 */
export function parseConnectivityTests(text: string): { cases: ConnectivityCase[]; errors: FieldError[] } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const why = /parseAllDocuments/.test(message) ? 'a test file is one YAML document (tests: [...]), not several' : `not YAML: ${message.split('\n')[0]!.replace(/:$/, '')}`;
    return { cases: [], errors: [field.invalid('<file>', '', why)] };
  }
  const tests = (doc as { tests?: unknown } | null)?.tests;
  if (tests === undefined || tests === null || (Array.isArray(tests) && tests.length === 0)) return { cases: [], errors: [field.required('tests', 'a list of {from, url, expect}')] };
  if (!Array.isArray(tests)) return { cases: [], errors: [field.invalid('tests', tests, 'must be a list of {from, url, expect}')] };
  const cases: ConnectivityCase[] = [];
  const errors: FieldError[] = [];
  tests.forEach((t: unknown, i) => {
    const path = `tests[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) { errors.push(field.invalid(path, t, 'must be an object')); return; }
    const o = t as Record<string, unknown>;
    const before = errors.length;
    for (const k of Object.keys(o)) if (!KNOWN_FIELDS.has(k)) errors.push(field.notSupported(`${path}.${k}`, k, [...KNOWN_FIELDS]));
    const text = (k: string, required: boolean): string | undefined => {
      const v = o[k];
      if (v === undefined || v === null || v === '') { if (required) errors.push(field.required(`${path}.${k}`)); return undefined; }
      if (typeof v !== 'string') { errors.push(field.invalid(`${path}.${k}`, v, 'must be a string')); return undefined; }
      return v;
    };
    const from = text('from', true);
    const url = text('url', true);
    const namespace = text('namespace', false) ?? 'default';
    const name = text('name', false);
    const failsAt = text('failsAt', false);
    const method = text('method', false);
    if (method !== undefined && !METHOD.test(method)) errors.push(field.invalid(`${path}.method`, method, 'must be an HTTP method in capitals (GET, POST, …)'));
    const headers = parseHeaders(o.headers, `${path}.headers`, errors);
    const expect = parseExpectation(o.expect, `${path}.expect`, errors);
    if (failsAt !== undefined && expect && expect.kind !== 'unreachable') errors.push(field.invalid(`${path}.failsAt`, failsAt, 'only with expect: unreachable'));
    if (failsAt !== undefined && !layerNamed(failsAt)) errors.push(field.notSupported(`${path}.failsAt`, failsAt, [...FAILURE_LAYERS]));
    // what trace would refuse, refused before anything runs
    if (url !== undefined) { try { traceURL(url); } catch (err) { errors.push(field.invalid(`${path}.url`, url, (err as Error).message)); } }
    if (from !== undefined && from !== 'outside') { try { checkSource(from); } catch (err) { errors.push(field.invalid(`${path}.from`, from, (err as Error).message)); } }
    if (url?.toLowerCase().startsWith('tcp://') && expect?.kind === 'status') errors.push(field.invalid(`${path}.expect`, expect.status, 'a tcp:// test opens a connection only: expect reachable or unreachable'));
    if (url?.toLowerCase().startsWith('tcp://') && (method !== undefined || headers.length > 0)) errors.push(field.invalid(`${path}.url`, url, 'method and headers shape an HTTP request: a tcp:// test sends none'));
    if (errors.length > before || !from || !url || !expect) return;
    const full: Expectation = expect.kind === 'unreachable' && failsAt ? { kind: 'unreachable', failsAt: layerNamed(failsAt)! } : expect;
    cases.push({ name: name ?? `${from} → ${url}`, from, namespace, url, expect: full, headers, ...(method ? { method } : {}) });
  });
  return { cases: errors.length > 0 ? [] : cases, errors };
}

/** `headers: {Name: value}` → curl's `Name: value` lines; a name must be an HTTP token, a value one line. */
function parseHeaders(v: unknown, path: string, errors: FieldError[]): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) { errors.push(field.invalid(path, v, 'must be a map of header names to values')); return []; }
  const out: string[] = [];
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) { errors.push(field.invalid(`${path}.${name}`, name, 'must be an HTTP header name')); continue; }
    if (typeof value !== 'string' && typeof value !== 'number') { errors.push(field.invalid(`${path}.${name}`, value, 'must be a string')); continue; }
    if (/[\r\n]/.test(String(value))) { errors.push(field.invalid(`${path}.${name}`, value, 'must be one line')); continue; }
    out.push(`${name}: ${value}`);
  }
  return out;
}

function parseExpectation(v: unknown, path: string, errors: FieldError[]): Expectation | undefined {
  if (v === undefined || v === null || v === '') { errors.push(field.required(path)); return undefined; }
  if (v === 'reachable' || v === 'unreachable') return { kind: v };
  const status = typeof v === 'number' ? v : typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : NaN;
  if (Number.isInteger(status) && status >= 100 && status <= 599) return { kind: 'status', status };
  errors.push(field.notSupported(path, v, [...EXPECTATIONS, 'an HTTP status 100-599']));
  return undefined;
}

export function expectationText(e: Expectation): string {
  if (e.kind === 'status') return String(e.status);
  return e.kind === 'unreachable' && e.failsAt ? `unreachable at ${e.failsAt}` : e.kind;
}

/** The layer a failsAt names, as trace words it (any case). */
function layerNamed(text: string): string | undefined {
  return FAILURE_LAYERS.find((l) => l.toLowerCase() === text.trim().toLowerCase());
}

/**
 * Whether the trace's outcome is what the case expects. `reachable` is a
 * pod's answer (NGINX's own HTTPS redirect is none). `unreachable` is a name
 * that resolved and a request some layer stopped: a name that does not
 * resolve (a typo would pass a negative test) counts only with failsAt: DNS.
 */
export function judge(expect: Expectation, report: TraceReport, evidence: Pick<TraceEvidence, 'curl'>): Verdict {
  const status = evidence.curl.status;
  const where = report.failure?.split(':')[0] ?? '';
  const got = report.ok
    ? report.by === 'pod' ? `reachable (${status > 0 ? status : 'connected'})` : `answered ${status} by ${report.by === 'ingress' ? 'NGINX itself' : 'no pod'}`
    : `unreachable at ${where}${status > 0 ? ` (${status})` : ''}`;
  switch (expect.kind) {
    case 'reachable': return { pass: report.ok && report.by === 'pod', got };
    case 'unreachable': return { pass: !report.ok && (expect.failsAt !== undefined ? where.toLowerCase() === expect.failsAt.toLowerCase() : where !== 'DNS'), got };
    case 'status': return { pass: status === expect.status, got: status > 0 ? String(status) : got };
  }
}

/** The result table, kubectl-style columns. */
export function resultTable(rows: { result: string; test: string; expect: string; got: string }[]): string {
  const header = { result: 'RESULT', test: 'TEST', expect: 'EXPECT', got: 'GOT' };
  const all = [header, ...rows];
  const width = (k: keyof typeof header) => Math.max(...all.map((r) => r[k].length)) + 3;
  const [w1, w2, w3] = [width('result'), width('test'), width('expect')];
  return all.map((r) => `${r.result.padEnd(w1)}${r.test.padEnd(w2)}${r.expect.padEnd(w3)}${r.got}`).join('\n');
}
