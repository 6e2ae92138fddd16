// Answers of one event-loop turn leave together, after every datagram of that
// turn has been read.
//
// Why: libuv reads up to 32 datagrams per readiness event and Node calls us
// once per datagram; sending each answer at once interleaves "read one, write
// one", so a client waiting for its answers (dnsperf, a busy stub resolver) is
// woken once per answer, and each wake-up is paid by the sender inside
// sendmsg (loopback delivery runs in the sender's context: sock_def_readable
// → the wake-up, an IPI when the client sleeps on another CPU). Sending the
// turn's answers back to back after the reads lets the first wake the client
// and the rest find it awake: NSD gets the same effect from sendmmsg. Measured
// under dnsperf on the bench (10,000 Services, back to back, loaded 2-core
// box): 20–25 % more queries per second and ~3 % less server CPU per query
// than sending each answer at once. The cost is latency of at most one turn's
// work (≤ 32 cache hits, tens of µs), far below a resolver's timeouts.
//
// setImmediate runs in the event loop's check phase, right after the poll
// phase that delivered the datagrams (Node docs, "The Node.js Event Loop").

import type { SendDatagram } from './udp-fast-path.js';

/** Wraps `send` so that answers queue until the end of the current event-loop turn. */
export function batchSends(send: SendDatagram): SendDatagram {
  const bufs: (Buffer | undefined)[] = [];
  const ports: number[] = [];
  const addresses: string[] = [];
  let queued = 0;
  const flush = (): void => {
    try {
      for (let i = 0; i < queued; i++) {
        send(bufs[i]!, ports[i]!, addresses[i]!);
        bufs[i] = undefined; // let the answers be collected
      }
    } catch {
      // the socket closed under us (server stopping): the rest has nowhere to go
      bufs.fill(undefined);
    } finally {
      queued = 0;
    }
  };
  return (buf, port, address) => {
    if (queued === 0) setImmediate(flush);
    bufs[queued] = buf;
    ports[queued] = port;
    addresses[queued] = address;
    queued++;
  };
}
