#!/usr/bin/env node
// podnet-cni, standalone: the executable a runtime runs (CNI spec 1.1.0,
// "Section 2: Execution Protocol"): the command and its parameters come from
// CNI_* variables, the network configuration from stdin; the result, or an
// error object, goes to stdout; logs go to stderr.
//
// This is what the installed `podnet-cni` shim (shim.ts) falls back to when no
// resident server answers; the command code itself is in invoke.ts, shared
// with the server. Start-up time is most of a standalone call's cost, so this
// file imports only what every command needs.

import fs from 'node:fs';
import { debugEnabled, invokeCni, type InvocationVars } from './invoke.js';

const DEBUG = debugEnabled(process.env as InvocationVars);

function log(line: string): void {
  // time since process start: start-up dominates a standalone run, so show where it goes
  if (DEBUG) process.stderr.write(`[podnet-cni +${performance.now().toFixed(1)}ms] ${line}\n`);
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN' || (e as NodeJS.ErrnoException).code === 'EOF') return '';
    throw e;
  }
}

const { stdout, code } = await invokeCni(process.env as InvocationVars, readStdin(), log);
if (stdout) process.stdout.write(stdout);
// Exit at once: stdout to a pipe or file is written synchronously on Linux
// (Node "process I/O" notes), and a natural exit spends tens of ms tearing down.
process.exit(code);
