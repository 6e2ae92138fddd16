// Reading the tools' output back (pure): dig's answer, curl's `%{json}`,
// a conntrack entry's reply tuple, and the NetworkPolicy table's drop
// counters from `nft -j`.

import type { CurlResult, DnsLookup, EchoReply } from './evidence.js';

/** The dig run parseDig reads: one try of `timeS` seconds, the output trimmed to what it reads; `extra` before the name (`@SERVER`, `+search`). */
export function digArgv(name: string, timeS: number, extra: readonly string[] = []): string[] {
  return ['dig', '+noall', '+comments', '+question', '+answer', '+stats', '+tries=1', `+time=${timeS}`, ...extra, name];
}

/**
 * dig with `+noall +comments +question +answer +stats`: the header's status,
 * the question (under +search, the name that answered), A and CNAME records,
 * the server and the query time. A dig that reached no server prints no
 * header: its rcode is "timeout".
 */
export function parseDig(output: string, host: string): DnsLookup {
  const rcode = /->>HEADER<<-.*status: ([A-Z]+)/.exec(output)?.[1] ?? 'timeout';
  const question = /^;([^\s;]+)\s+IN\s+A$/m.exec(output)?.[1];
  const addresses: string[] = [];
  const cnames: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(';')) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    if (f[3] === 'A') addresses.push(f[4]!);
    else if (f[3] === 'CNAME') cnames.push(f[4]!.replace(/\.$/, ''));
  }
  const server = /^;; SERVER: ([^#\s]+)/m.exec(output)?.[1] ?? /communications error to ([^#\s]+)#/.exec(output)?.[1] ?? '';
  const ms = /^;; Query time: (\d+) msec/m.exec(output)?.[1];
  return { qname: (question ?? host).replace(/\.$/, ''), server, rcode, addresses, cnames, ...(ms !== undefined ? { ms: Number(ms) } : {}) };
}

interface CurlJson {
  exitcode?: number; errormsg?: string | null; http_code?: number; response_code?: number;
  remote_ip?: string; remote_port?: number; local_port?: number; time_total?: number; time_connect?: number;
}

/**
 * curl's standard error with `-w '%{stderr}\n%{json}'`: its own error line
 * (-sS), then its `%{json}` object (7.70+; exitcode and errormsg since 7.75)
 * on the last line. The body stays on standard output.
 */
export function parseCurlJson(stderr: string, exitCode: number): CurlResult {
  const lines = stderr.trim().split('\n');
  let j: CurlJson = {};
  try { j = JSON.parse(lines.at(-1) ?? '{}') as CurlJson; lines.pop(); } catch { /* curl stopped before writing it */ }
  const error = (j.errormsg ?? '') || lines.join(' ').trim().replace(/^curl: \(\d+\) /, '');
  return {
    exit: j.exitcode ?? exitCode,
    error,
    status: j.http_code ?? j.response_code ?? 0,
    remoteIP: j.remote_ip ?? '',
    remotePort: j.remote_port ?? 0,
    localPort: j.local_port ?? 0,
    timeMs: Math.round((j.time_total ?? 0) * 1000),
    connected: (j.time_connect ?? 0) > 0,
  };
}

/**
 * The reply tuple's source of a `conntrack -L` line (the second src=/sport=):
 * after a DNAT, the address the connection really went to.
 */
export function conntrackReplySource(line: string): { ip: string; port: number } | undefined {
  const srcs = [...line.matchAll(/src=(\S+)/g)].map((m) => m[1]!);
  const sports = [...line.matchAll(/sport=(\d+)/g)].map((m) => Number(m[1]));
  if (srcs.length < 2 || sports.length < 2) return undefined;
  return { ip: srcs[1]!, port: sports[1]! };
}

interface NftJsonRule { rule?: { comment?: string; expr?: { counter?: { packets: number } }[] } }

/** Packets each commented drop rule of a `nft -j list table` has counted, by comment. */
export function dropCounters(json: string): Map<string, number> {
  const out = new Map<string, number>();
  let doc: { nftables?: NftJsonRule[] };
  try { doc = JSON.parse(json) as { nftables?: NftJsonRule[] }; } catch { return out; }
  for (const item of doc.nftables ?? []) {
    const rule = item.rule;
    if (!rule?.comment) continue;
    const counter = rule.expr?.find((e) => e.counter)?.counter;
    if (counter) out.set(rule.comment, (out.get(rule.comment) ?? 0) + counter.packets);
  }
  return out;
}

/** What a podnet/echo (or agnhost-like JSON) answer says it saw; undefined for any other body. */
export function echoReply(body: string): EchoReply | undefined {
  let j: { pod?: unknown; podIP?: unknown; clientIP?: unknown; message?: unknown; headers?: Record<string, unknown> };
  try { j = JSON.parse(body) as typeof j; } catch { return undefined; }
  if (typeof j !== 'object' || j === null || typeof j.clientIP !== 'string') return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const out: EchoReply = { clientIP: j.clientIP };
  const pod = text(j.pod); const podIP = text(j.podIP); const message = text(j.message); const xff = text(j.headers?.['x-forwarded-for']);
  if (pod) out.pod = pod;
  if (podIP) out.podIP = podIP;
  if (message) out.message = message;
  if (xff) out.forwardedFor = xff;
  return out;
}

/**
 * OpenBSD nc's account of a `-z` connection (exit code, its stderr) in
 * curl's terms: 0 connected, 7 refused or unreachable, 28 timed out.
 */
export function ncResult(exit: number, stderr: string, ip: string, port: number, localPort: number, timeMs: number): CurlResult {
  const error = stderr.trim().split('\n').find((l) => l.startsWith('nc:'))?.replace(/^nc: /, '') ?? stderr.trim();
  // nc's own failures (not found, a source port in use) keep their code: they are no answer of the network's
  const code = exit === 0 ? 0 : /timed out/i.test(error) ? 28 : /refused|unreachable|no route/i.test(error) ? 7 : exit;
  return { exit: code, error: exit === 0 ? '' : error, status: 0, remoteIP: ip, remotePort: port, localPort, timeMs, connected: exit === 0 };
}
