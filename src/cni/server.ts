// The resident podnet CNI server: runs CNI calls that the `podnet-cni` shim
// hands over a Unix socket (wire.ts), through exactly the code the standalone
// executable runs (invoke.ts), in this process. The node agent runs one in
// its own process, inside the node's network namespace; server-main.ts runs
// one as a process of its own for other callers (tests, the benchmark).
//
// Links are created in the namespace the code runs in, so the server only
// serves callers in its own network namespace (CNI spec: the plugin acts
// where the runtime runs it): it compares the shim's /proc/<pid>/ns/net with
// its own and declines otherwise; the shim then runs the plugin itself.
// IPAM stays under the same on-disk lock, so standalone and resident calls
// may run side by side.

import fs from 'node:fs';
import net from 'node:net';
import { ResidentIpRunner } from '../net/resident-ip.js';
import { defaultRunner } from '../net/runner.js';
import { debugEnabled, invokeCni } from './invoke.js';
import { formatDecline, formatResult, parseRequest, WireError } from './wire.js';

/** a request is a header and one network configuration: far below this */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** sun_path is 108 bytes including the terminating NUL (unix(7)) */
export const MAX_SOCKET_PATH = 107;

export interface CniServerOptions {
  /** where log lines go when a call sets PODNET_DEBUG=cni (the agent's stderr) */
  logSink?: (line: string) => void;
}

export class CniServer {
  private readonly server: net.Server;
  private readonly ownNetns: string;
  /** inode of our socket file: close() removes the file only while it is still ours (a successor may have replaced it) */
  private socketIno: number | undefined;
  /** one long-lived ip for the ADD and DEL scripts of every call (net/resident-ip.ts), started on first use */
  private readonly runner = new ResidentIpRunner(defaultRunner);

  constructor(readonly socketPath: string, private readonly options: CniServerOptions = {}) {
    this.ownNetns = fs.readlinkSync('/proc/self/ns/net');
    this.server = net.createServer({ allowHalfOpen: true }, (sock) => this.serve(sock));
  }

  /** Listens on the socket (replacing a stale one a crashed server left), mode 0600: root's alone. */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH) throw new Error(`CNI server socket path too long for a Unix socket: ${this.socketPath}`);
    fs.rmSync(this.socketPath, { force: true });
    const tmp = `${this.socketPath}.${process.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    // bind to a temporary name, restrict it, then rename: a shim never sees a socket it may not use
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(tmp, () => { this.server.off('error', reject); resolve(); });
    });
    fs.chmodSync(tmp, 0o600);
    this.socketIno = fs.statSync(tmp).ino;
    fs.renameSync(tmp, this.socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.runner.close();
    try {
      if (fs.statSync(this.socketPath).ino === this.socketIno) fs.rmSync(this.socketPath, { force: true });
    } catch { /* already gone */ }
  }

  private serve(sock: net.Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    sock.on('error', () => { /* the shim went away; nothing to answer */ });
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_REQUEST_BYTES) { sock.end(formatDecline('request too large')); sock.destroy(); return; }
      chunks.push(d);
    });
    sock.on('end', () => {
      void this.answer(Buffer.concat(chunks).toString('utf8')).then((reply) => sock.end(reply));
    });
  }

  private async answer(text: string): Promise<string> {
    let request;
    try {
      request = parseRequest(text);
    } catch (e) {
      return formatDecline(e instanceof WireError ? e.message : String(e));
    }
    let callerNetns: string;
    try {
      callerNetns = fs.readlinkSync(`/proc/${request.pid}/ns/net`);
    } catch {
      return formatDecline(`caller pid ${request.pid} not found`);
    }
    if (callerNetns !== this.ownNetns) return formatDecline(`caller runs in ${callerNetns}, this server in ${this.ownNetns}`);
    const t0 = performance.now();
    const debug = debugEnabled(request.vars);
    const sink = this.options.logSink ?? ((line: string) => process.stderr.write(line + '\n'));
    const log = (line: string) => { if (debug) sink(`[podnet-cni server +${(performance.now() - t0).toFixed(1)}ms] ${line}`); };
    const { stdout, code } = await invokeCni(request.vars, request.stdin, log, this.runner);
    return formatResult(code, stdout);
  }
}
