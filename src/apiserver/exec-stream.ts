// kubectl exec's stream protocol over a WebSocket, as the kubelet speaks it
// (k8s.io/apimachinery/pkg/util/remotecommand, the "channel.k8s.io"
// subprotocols): every binary message starts with its channel — 0 stdin,
// 1 stdout, 2 stderr, 3 the error channel (the command's end as a Status),
// 4 terminal resize — and v5 adds 255 [channel], the client closing its stdin.
// Runs on the API server's HTTP thread, which owns the connection; the main
// thread has already decided what to run (http-thread-link.ts startExec).

import { spawn } from 'node:child_process';
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
  const exit = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
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

export function runExec(ws: WebSocket, spec: ExecSpec): void {
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), { env: spec.env, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let over = false;
  let failed = false;
  child.stdout!.on('data', (d: Buffer) => send(CH.stdout, d));
  child.stderr!.on('data', (d: Buffer) => send(spec.tty ? CH.stdout : CH.stderr, d));
  child.stdin?.on('error', () => { /* the command stopped reading */ });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const data = isBinary ? msg : Buffer.from(msg);
    if (data.length === 0) return;
    if (data[0] === CH.stdin) child.stdin?.write(data.subarray(1));
    else if (data[0] === CH.close && data[1] === CH.stdin) child.stdin?.end();
    // resize: no terminal to resize
  });
  ws.on('close', () => {
    child.stdin?.end();
    if (!over) child.kill('SIGKILL');
  });
  ws.on('error', () => { if (!over) child.kill('SIGKILL'); });
  child.on('error', (e) => {
    over = true;
    failed = true;
    send(CH.error, Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: `could not run ${spec.command.join(' ')}: ${e.message}`, reason: 'InternalError' })));
    ws.close(1000);
  });
  // 'close' comes after stdout and stderr have ended: every byte went out before the Status
  child.on('close', (code, signal) => {
    if (failed) return;
    over = true;
    send(CH.error, Buffer.from(JSON.stringify(exitStatus(spec.command, code, signal))));
    ws.close(1000);
  });
}
