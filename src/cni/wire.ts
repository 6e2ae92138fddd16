// The line protocol between the `podnet-cni` shim (a POSIX sh script, see
// shim.ts) and the resident CNI server (server.ts). It is text a shell can
// write with a here-document and read with parameter expansion, one request
// per Unix socket connection (the shim half-closes after the request: `nc -N`):
//
//   request:  podnet-cni-request 2\n
//             pid <shim pid>\n
//             CNI_COMMAND=ADD\n          one line per variable that is set
//             ...\n
//             \n                         end of the header
//             <stdin bytes, unchanged>\n  (one newline more: a here-document always ends with one)
//
//   reply:    podnet-cni-result <exit status>\n<stdout bytes, unchanged>\npodnet-cni-end
//        or:  podnet-cni-decline <reason>\n   (the shim then runs the plugin itself)
//
// The end line lets stdout's own trailing newlines survive the shell's
// command substitution, which strips them; a reply without it is incomplete.
// Both framings exist so the shim runs no process but nc (version 1 needed a
// cat and a printf pipe, ~10 ms of CPU per call here). Values containing a
// newline cannot be framed; the shim never sends them (it runs the plugin
// itself instead). Pure: tested without sockets.

import { INVOCATION_VARS, type InvocationVars } from './invoke.js';

export const REQUEST_MAGIC = 'podnet-cni-request 2';
export const RESULT_PREFIX = 'podnet-cni-result ';
export const DECLINE_PREFIX = 'podnet-cni-decline ';
/** the last line of a result reply (no newline after it) */
export const RESULT_END = 'podnet-cni-end';

export interface WireRequest {
  /** pid of the shim process: the server checks that it runs in the server's own network namespace */
  pid: number;
  vars: InvocationVars;
  stdin: string;
}

export class WireError extends Error {}

const KNOWN_VARS = new Set<string>(INVOCATION_VARS);

export function formatRequest(r: WireRequest): string {
  let head = `${REQUEST_MAGIC}\npid ${r.pid}\n`;
  for (const name of INVOCATION_VARS) {
    const value = r.vars[name];
    if (value === undefined) continue;
    if (value.includes('\n')) throw new WireError(`${name} contains a newline`);
    head += `${name}=${value}\n`;
  }
  return `${head}\n${r.stdin}\n`;
}

export function parseRequest(text: string): WireRequest {
  const end = text.indexOf('\n\n');
  if (end < 0) throw new WireError('request header not terminated by an empty line');
  const [magic, pidLine, ...lines] = text.slice(0, end).split('\n');
  if (magic !== REQUEST_MAGIC) throw new WireError(`unknown request "${(magic ?? '').slice(0, 40)}"`);
  const pid = /^pid (\d+)$/.exec(pidLine ?? '')?.[1];
  if (!pid) throw new WireError('request without the caller\'s pid');
  const vars: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq) : '';
    // unknown names are ignored, as a process ignores variables it does not read
    if (KNOWN_VARS.has(name)) vars[name] = line.slice(eq + 1);
  }
  if (text.length < end + 3 || !text.endsWith('\n')) throw new WireError('request not terminated by a newline');
  return { pid: Number(pid), vars: vars as InvocationVars, stdin: text.slice(end + 2, -1) };
}

export function formatResult(code: number, stdout: string): string {
  return `${RESULT_PREFIX}${code}\n${stdout}\n${RESULT_END}`;
}

export function formatDecline(reason: string): string {
  return `${DECLINE_PREFIX}${reason.replace(/\n/g, ' ')}\n`;
}

export type WireReply = { kind: 'result'; code: number; stdout: string } | { kind: 'decline'; reason: string };

/** The client side (the shim does the same in sh); used by tests and TypeScript callers. */
export function parseReply(text: string): WireReply {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  if (head.startsWith(RESULT_PREFIX) && /^\d+$/.test(head.slice(RESULT_PREFIX.length))) {
    const tail = `\n${RESULT_END}`;
    if (!text.endsWith(tail) || nl + 1 > text.length - tail.length) throw new WireError('result reply without its end line');
    return { kind: 'result', code: Number(head.slice(RESULT_PREFIX.length)), stdout: text.slice(nl + 1, text.length - tail.length) };
  }
  if (head.startsWith(DECLINE_PREFIX)) return { kind: 'decline', reason: head.slice(DECLINE_PREFIX.length) };
  throw new WireError(`unknown reply "${head.slice(0, 40)}"`);
}
