// A doctor's finding and how the report prints them: each layer's heading,
// then a line per finding (✓ fine, ! worth a look, ✗ broken) with, for the
// broken ones, what to change or run.

import { humanDuration, toMillis, type Instant } from '../cli/printers/age.js';
import { plural } from '../trace/report.js';

export type Level = 'ok' | 'warn' | 'fail';

/** The layers in the order a request from outside meets them, the control plane first. */
export const SECTIONS = ['Control plane', 'Nodes', 'Pod network', 'Pods', 'Workloads', 'Services', 'Cluster DNS', 'Load balancer', 'Ingress', 'Gateway API', 'External DNS', 'Network policy', 'Events'] as const;
export type Section = typeof SECTIONS[number];

export interface Finding {
  section: Section;
  level: Level;
  text: string;
  /** what to change or run */
  fix?: string;
}

const MARK: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗' };

export const ok = (section: Section, text: string): Finding => ({ section, level: 'ok', text });
export const warn = (section: Section, text: string, fix?: string): Finding => ({ section, level: 'warn', text, ...(fix ? { fix } : {}) });
export const fail = (section: Section, text: string, fix?: string): Finding => ({ section, level: 'fail', text, ...(fix ? { fix } : {}) });

export interface DoctorReport {
  lines: string[];
  problems: number;
  warnings: number;
}

export function renderReport(findings: readonly Finding[]): DoctorReport {
  const lines: string[] = [];
  for (const section of SECTIONS) {
    const mine = findings.filter((f) => f.section === section);
    if (mine.length === 0) continue;
    lines.push(section);
    for (const f of mine) {
      lines.push(`  ${MARK[f.level]} ${f.text}`);
      if (f.fix) lines.push(`    → ${f.fix}`);
    }
  }
  const problems = findings.filter((f) => f.level === 'fail').length;
  const warnings = findings.filter((f) => f.level === 'warn').length;
  lines.push('', problems + warnings === 0 ? 'No problems found.' : `${plural(problems, 'problem')}, ${plural(warnings, 'warning')}.`);
  return { lines, problems, warnings };
}

/** "12s ago", as kubectl's ages read */
export function ago(nowMs: number, then: Instant): string {
  return `${humanDuration(nowMs - toMillis(then))} ago`;
}
