// `podnet test -f FILE…`: runs each connectivity test of the files as one
// `podnet trace` and prints a table of what was expected and what happened;
// a failed test prints its trace below the table. Exit 1 when any failed.
// The file format and the judging are in src/trace/connectivity-test.ts.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { PodnetError } from '../../errors.js';
import { expectationText, judge, parseConnectivityTests, resultTable, type ConnectivityCase } from '../../trace/connectivity-test.js';
import { explainTrace } from '../../trace/explain.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { STDIN } from '../manifest.js';
import { traceURL } from '../../trace/url.js';
import { sourceOf, traceRequest } from './trace.js';

interface Outcome { c: ConnectivityCase; result: 'PASS' | 'FAIL' | 'ERROR'; got: string; detail: string[] }

async function runCase(ctx: Context, c: ConnectivityCase): Promise<Outcome> {
  try {
    const url = traceURL(c.url);
    const where = await sourceOf(ctx, c.from, c.namespace);
    const evidence = await traceRequest(ctx, url, where, { headers: c.headers, ...(c.method ? { method: c.method } : {}) });
    const report = explainTrace(evidence);
    const verdict = judge(c.expect, report, evidence);
    return { c, result: verdict.pass ? 'PASS' : 'FAIL', got: verdict.got, detail: report.lines };
  } catch (err) {
    return { c, result: 'ERROR', got: (err as Error).message.split('\n')[0]!, detail: [] };
  }
}

export async function connectivityTestCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  if (flags.filenames.length === 0) throw new PodnetError('EUSAGE', 'usage: podnet test -f FILE [-f FILE…] (a list of tests: from, url, expect; docs/trace.md)');
  const cases: ConnectivityCase[] = [];
  const problems: string[] = [];
  for (const file of flags.filenames) {
    if (file !== STDIN && !existsSync(file)) throw new PodnetError('ENOENT', `the path "${file}" does not exist`);
    if (file !== STDIN && statSync(file).isDirectory()) throw new PodnetError('EUSAGE', `"${file}" is a directory: podnet test takes test files`);
    const text = file === STDIN ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    const { cases: found, errors } = parseConnectivityTests(text);
    cases.push(...found);
    for (const e of errors) problems.push(`${file === STDIN ? 'STDIN' : file}: ${e.toString()}`);
  }
  // as the API server refuses a whole object for one bad field: nothing runs
  if (problems.length > 0) throw new PodnetError('EINVALID', `the connectivity tests are invalid:\n${problems.map((p) => `* ${p}`).join('\n')}`);
  // a stopped cluster is one line, not one per test
  await ctx.ready();
  const outcomes: Outcome[] = [];
  for (const c of cases) outcomes.push(await runCase(ctx, c));
  const rows = outcomes.map((o) => ({ result: o.result, test: o.c.name, expect: expectationText(o.c.expect), got: o.got }));
  const out = [resultTable(rows)];
  for (const o of outcomes.filter((x) => x.result === 'FAIL' && x.detail.length > 0)) out.push('', `${o.c.name}: expected ${expectationText(o.c.expect)}, got ${o.got}`, ...o.detail);
  const failed = outcomes.filter((o) => o.result !== 'PASS').length;
  out.push('', `${outcomes.length - failed} passed, ${failed} failed`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (failed > 0) {
    process.stderr.write(`error: ${failed} of ${outcomes.length} connectivity tests failed\n`);
    return 1;
  }
  return 0;
}
