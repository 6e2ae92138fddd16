// The DNS server's UDP datagrams without dgram's per-datagram JavaScript.
//
// Why: under dnsperf the server's CPU per query is mostly Node and the kernel,
// and of the part that is Node's JavaScript, dgram does per datagram what a
// server answering its own clients by IP literal never needs: on receive an
// EventEmitter hop and a property added to `rinfo`; on send argument checks, a
// closure for the address lookup, an async-id scope, and a fresh `SendWrap`
// (a C++-backed object, three properties set on it) even though the kernel
// almost always takes the datagram synchronously (`uv_udp_try_send`).
//
// How: the socket stays a public `dgram.Socket` (bind, buffer sizes, close,
// errors all go through it). Only the two per-datagram calls use the UDP
// handle under it, with the same contract dgram itself uses in Node 20
// (lib/dgram.js `onMessage`, `doSend`; src/udp_wrap.cc `UDPWrap::OnRecv`,
// `UDPWrap::Send`):
// - `handle.onmessage(nread, handle, buf, rinfo)` is what the handle calls per
//   datagram (nread < 0: a receive error, which dgram would emit and we drop);
// - `handle.send(req, buffers, count, port, ip, hasCallback)` returns the size
//   + 1 when the kernel took the datagram at once (the `req` was not used), 0
//   when libuv queued it (then `req` became the pending request: it must hold
//   the buffers, and is never reused), < 0 on an error (dgram ignores it too
//   when no callback is given).
// These are internals, so they are used only on the Node majors this was
// checked against, feature-tested once at startup, and anything else falls
// back to the public API, as does PODNET_DNS_UDP=public (to compare, or to
// rule this path out).

import type dgram from 'node:dgram';

export const UDP_PATH_ENV = 'PODNET_DNS_UDP';
/** Node majors whose lib/dgram.js and udp_wrap.cc were read for the contract above (and tested) */
const VERIFIED_NODE_MAJORS: readonly number[] = [20];

export interface UdpPeer { address: string; port: number }

/** Called per datagram; `send` answers it (the address is the IP literal it came from). */
export type OnDatagram = (msg: Buffer, from: UdpPeer) => void;
export type SendDatagram = (buf: Buffer, port: number, address: string) => void;

interface UdpHandle {
  onmessage: (nread: number, handle: unknown, buf: Buffer | undefined, rinfo: UdpPeer | undefined) => void;
  send(req: object, buffers: Buffer[], count: number, port: number, ip: string, hasCallback: boolean): number;
}

type SendWrapConstructor = new () => { list?: Buffer[] };

/**
 * Starts delivering `socket`'s datagrams to `onDatagram` and returns how to send,
 * through the handle when this Node has the expected internals, else through
 * the public API. `socket` must be bound.
 */
export function attachUdp(socket: dgram.Socket, onDatagram: OnDatagram, env: NodeJS.ProcessEnv = process.env): { send: SendDatagram; fast: boolean } {
  const internals = env[UDP_PATH_ENV] === 'public' ? undefined : handleInternals(socket);
  if (!internals) {
    socket.on('message', (msg, rinfo) => onDatagram(msg, rinfo));
    return { send: (buf, port, address) => socket.send(buf, port, address), fast: false }; // throws once closed
  }
  const { handle, SendWrap } = internals;
  handle.onmessage = (nread, _handle, buf, rinfo) => {
    if (nread < 0 || buf === undefined || rinfo === undefined) return; // ICMP errors and the like: nothing to answer
    onDatagram(buf, rinfo);
  };
  let req = new SendWrap();
  const one: Buffer[] = [];
  const send: SendDatagram = (buf, port, address) => {
    one[0] = buf;
    const done = handle.send(req, one, 1, port, address, false);
    one[0] = undefined as unknown as Buffer; // do not keep the last response alive
    if (done === 0) {
      // queued by libuv (socket buffer full, or earlier sends still queued): `req` is now the pending
      // request and must keep the bytes alive until it completes; the next send gets a fresh one
      req.list = [buf];
      req = new SendWrap();
    }
  };
  return { send, fast: true };
}

/** The bound socket's UDP handle and the request constructor, when they look as Node 20's do. */
function handleInternals(socket: dgram.Socket): { handle: UdpHandle; SendWrap: SendWrapConstructor } | undefined {
  if (!VERIFIED_NODE_MAJORS.includes(Number(process.versions.node.split('.')[0]))) return undefined;
  try {
    const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
    const handle = state ? (socket as unknown as Record<symbol, { handle?: UdpHandle } | undefined>)[state]?.handle : undefined;
    // process.binding is the legacy accessor; udp_wrap is on its allow list in Node 20
    const binding = (process as unknown as { binding(name: string): { SendWrap?: SendWrapConstructor } }).binding('udp_wrap');
    if (!handle || typeof handle.onmessage !== 'function' || typeof handle.send !== 'function') return undefined;
    if (typeof binding.SendWrap !== 'function') return undefined;
    return { handle, SendWrap: binding.SendWrap };
  } catch {
    return undefined;
  }
}
