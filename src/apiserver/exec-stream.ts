// kubectl exec's stream protocol over a WebSocket, as the kubelet speaks it
// (k8s.io/apimachinery/pkg/util/remotecommand, the "channel.k8s.io"
// subprotocols): every binary message starts with its channel — 0 stdin,
// 1 stdout, 2 stderr, 3 the error channel (the command's end as a Status),
// 4 terminal resize — and v5 adds 255 [channel], the client closing its stdin.
// Runs on the API server's HTTP thread, which owns the connection; the main
// thread has already decided what to run (http-thread-link.ts startExec).

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { WebSocket } from 'ws';

/** The subprotocols served, best first: v5 can close stdin, v4 cannot (the command then sees stdin end when the client goes). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The subprotocol to answer with, of those the client offers; false: none we speak. */
export function chooseExecProtocol(offered: ReadonlySet<string>): string | false {
  return EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

/** The error channel's last word: Success, or the exit code as the kubelet reports it (kubectl turns it into its own exit code). */
export function exitStatus(command: readonly string[], code: number | null, signal: string | null): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  // killed by a signal: the shell's 128 + its number
  const exit = code ?? 128 + ((signal && constants.signals[signal as keyof typeof constants.signals]) || 9);
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
  };
}

export interface ExecSpec {
  argv: string[];
  env: Record<string, string>;
  stdin: boolean;
  /** a terminal was asked for: there is none (no pty), but stderr goes to stdout as with one */
  tty: boolean;
  /** the command as the client sent it, for the exit Status */
  command: string[];
}

/** Output waiting for a slow client beyond this pauses the command's stdout and stderr until it drains. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * Runs the command and pipes it through the WebSocket. The child leads its own
 * process group (onPid gets its pid, then 0 when it ends), so whoever stops
 * the API server can kill it and whatever it started.
 */
export function runExec(ws: WebSocket, spec: ExecSpec, onPid: (pid: number) => void = () => undefined): void {
  let child: ChildProcess;
  try {
    child = spawn(spec.argv[0]!, spec.argv.slice(1), { env: spec.env, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    // spawn refuses some arguments outright (a NUL byte): the stream ends with the reason, the thread lives on
    ws.send(Buffer.concat([Buffer.from([CH.error]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: `could not run ${spec.command.join(' ')}: ${(e as Error).message}`, reason: 'InternalError' }))]));
    ws.close(1000);
    return;
  }
  if (child.pid) onPid(child.pid);
  const outputs = [child.stdout!, child.stderr!];
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), data]), () => {
      if (ws.bufferedAmount < MAX_BUFFERED_BYTES) for (const o of outputs) o.resume();
    });
    if (ws.bufferedAmount >= MAX_BUFFERED_BYTES) for (const o of outputs) o.pause();
  };
  let over = false;
  let failed = false;
  child.stdout!.on('data', (d: Buffer) => send(CH.stdout, d));
  child.stderr!.on('data', (d: Buffer) => send(spec.tty ? CH.stdout : CH.stderr, d));
  child.stdin?.on('error', () => { /* the command stopped reading */ });
  // input the command does not read yet stops the client's side instead of piling up here
  child.stdin?.on('drain', () => ws.resume());
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const data = isBinary ? msg : Buffer.from(msg);
    if (data.length === 0) return;
    if (data[0] === CH.stdin && child.stdin && !child.stdin.write(data.subarray(1))) ws.pause();
    else if (data[0] === CH.close && data[1] === CH.stdin) child.stdin?.end();
    // resize: no terminal to resize
  });
  // the client went away: the command and what it started go too
  const killGroup = () => {
    if (over || !child.pid) return;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  ws.on('close', () => {
    child.stdin?.end();
    killGroup();
  });
  ws.on('error', killGroup);
  child.on('error', (e) => {
    over = true;
    failed = true;
    onPid(0);
    send(CH.error, Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: `could not run ${spec.command.join(' ')}: ${e.message}`, reason: 'InternalError' })));
    ws.close(1000);
  });
  // 'close' comes after stdout and stderr have ended: every byte went out before the Status
  child.on('close', (code, signal) => {
    if (failed) return;
    over = true;
    onPid(0);
    send(CH.error, Buffer.from(JSON.stringify(exitStatus(spec.command, code, signal))));
    ws.close(1000);
  });
}
