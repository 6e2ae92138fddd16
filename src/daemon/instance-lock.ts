// One daemon per cluster. Two `podnet up` at once used to start two daemons on
// one store, each with its own resourceVersion and allocators (the same
// ClusterIP handed out twice), and the loser's clean-up removed the winner's
// pid file. The lock is a listening Unix socket in the abstract namespace,
// named after the cluster's state directory: binding it is atomic, a second
// bind fails with EADDRINUSE, and the kernel releases it when the process
// dies however it dies (kill -9 included), so no stale lock is ever left.
// Abstract names live in the network namespace of the binder; the daemon runs
// in the host's, where this socket is the only thing it binds (no address,
// route or rule: nothing of the sealed network). Anyone can ask whether a
// daemon holds it by connecting, which never disturbs the holder.

import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';

/** The daemon's exit code when another daemon of the cluster holds the lock (sysexits EX_TEMPFAIL). */
export const DAEMON_LOCKED_EXIT = 75;

function lockAddress(clusterDir: string): string {
  return `\0podnet-daemon-${createHash('sha256').update(path.resolve(clusterDir)).digest('hex').slice(0, 32)}`;
}

/** Takes the cluster's lock for the life of this process; undefined when another process holds it. */
export function acquireDaemonLock(clusterDir: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    // a connection is only someone asking whether the lock is held
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    server.listen(lockAddress(clusterDir), () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Whether a daemon of the cluster whose state is in clusterDir is alive (holds the lock). */
export function daemonHoldsLock(clusterDir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(lockAddress(clusterDir));
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
