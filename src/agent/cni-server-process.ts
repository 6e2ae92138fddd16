// The node's resident CNI server (src/cni/server.ts) as a child process of
// the agent, in the agent's (the node's) network namespace. A process of its
// own, not a part of the agent's event loop: a burst of pod deletions keeps
// the agent busy (process kills, namespace scans), and CNI calls must not
// wait behind that until the runtime's timeout kills them. Forking `ip` from
// this small process is also cheaper than from the agent.
//
// It lives exactly as long as the agent: it exits when its stdin (a pipe from
// the agent) closes, which also happens when the agent is killed with -9.
// While it is down the podnet-cni shim runs the plugin standalone, so
// nothing waits for it; it is restarted after a crash.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_MAIN = fileURLToPath(new URL('../cni/server-main.js', import.meta.url));
const RESTART_DELAY_MS = 1_000;

export class CniServerProcess {
  private child: ChildProcess | undefined;
  private stopped = false;

  constructor(readonly socketPath: string, private readonly log: (line: string) => void) {}

  start(): void {
    if (this.stopped) return;
    const child = spawn(process.execPath, [SERVER_MAIN, '--socket', this.socketPath, '--exit-with-stdin'], { stdio: ['pipe', 'ignore', 'inherit'] });
    this.child = child;
    child.stdin!.on('error', () => { /* the server is gone; its exit handler says so */ });
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopped) return;
      this.log(`CNI server exited (${signal ?? code}); podnet-cni runs standalone until it is back`);
      setTimeout(() => this.start(), RESTART_DELAY_MS).unref();
    });
  }

  /** Ends the server (it removes its socket). Exiting the agent does the same through the closed pipe. */
  stop(): void {
    this.stopped = true;
    this.child?.stdin?.end();
  }
}
