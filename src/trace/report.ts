// The report podnet trace prints, and the small pieces of wording every
// layer shares: the numbered layer lines, a failure's ✗ line, what curl's
// exit code means, and which NetworkPolicy drops were the request's.

import type { PolicyDrop, TraceSource } from './evidence.js';

export interface TraceReport {
  lines: string[];
  /** an answer came back */
  ok: boolean;
  /** who answered: a pod, the ingress controller itself (its HTTPS redirect), or an address that is none of the cluster's */
  by?: 'pod' | 'ingress' | 'other';
  /** one line: where and why it failed */
  failure?: string;
}

/** the column the layer's text starts at */
const LAYER_WIDTH = 15;
const INDENT = ' '.repeat(5 + LAYER_WIDTH);
/** below this a refusal was an answer (RST), above it no route's timeout (curl says "Couldn't connect" for both) */
const REFUSED_WITHIN_MS = 1_000;

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The lines of the report as they are written, numbered layer by layer. */
export class Report {
  readonly lines: string[] = [];
  private layers = 0;

  layer(name: string, text: string): void { this.lines.push(`  ${++this.layers}. ${name.padEnd(LAYER_WIDTH)}${text}`); }
  note(text: string): void { this.lines.push(`${INDENT}${text}`); }
  ok(by: TraceReport['by'] = 'pod'): TraceReport { return { lines: this.lines, ok: true, by }; }
  /** a ✗ line with `why`, and the report failed at `where` */
  failed(where: string, why: string, shown = why): TraceReport {
    this.lines.push(`${INDENT}✗ ${shown}`);
    return { lines: this.lines, ok: false, failure: `${where}: ${why}` };
  }
}

/** What curl's (or nc's, in curl's codes) exit says happened to the connection. */
export function connectionFailure(exit: number, error: string, timeoutMs: number, tookMs = 0): string {
  switch (exit) {
    case 7: return /refused/i.test(error) && tookMs < REFUSED_WITHIN_MS ? `connection refused (${error})` : `connection refused or unreachable (${error})`;
    case 28: return `no answer within ${timeoutMs / 1000} s (${error})`;
    case 52: return `the connection closed with no answer (${error})`;
    case 56: return `the connection was reset (${error})`;
    case 35: case 60: return `TLS failed (${error})`;
    default: return `exit ${exit}: ${error}`;
  }
}

export function dropsText(drops: PolicyDrop[]): string {
  return drops.map((d) => `${d.rule} on ${d.node} (${plural(d.packets, 'packet')})`).join('; ');
}

/**
 * The policy drops that may be the request's: the source pod's egress rule
 * (no source: a hop the source does not make, NGINX's to a backend) and the
 * ingress rules of the pods it may have gone to (other pods' drops at
 * the same moment are left out; the callers ask only when the connection
 * never opened, since a policy drops its first packet).
 */
export function dropsOf(drops: PolicyDrop[], source: TraceSource | undefined, targets: string[]): PolicyDrop[] {
  const src = source?.pod ? `${source.pod.namespace}/${source.pod.name}` : undefined;
  return drops.filter((d) => (src !== undefined && d.rule.startsWith(`egress from ${src} `)) || targets.some((t) => d.rule.startsWith(`ingress to ${t} `)));
}
