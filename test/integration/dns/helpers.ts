// Shared helpers for the DNS integration tests: real dig and curl (through the
// project's runner), and raw UDP/TCP exchanges for the protocol corner cases.

import dgram from 'node:dgram';
import net from 'node:net';
import { ExecRunner } from '../../../src/net/runner.js';

const runner = new ExecRunner();

export interface DigResult { status: string; flags: string[]; answer: string[]; authority: string[]; additional: string[]; raw: string }

/** dig @127.0.0.1 -p PORT ARGS… with the sections parsed. */
export async function dig(port: number, ...args: string[]): Promise<DigResult> {
  const { stdout } = await runner.run(['dig', '@127.0.0.1', '-p', String(port), '+time=3', '+tries=1', ...args], { allowFailure: true, timeoutMs: 15_000 });
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' ')) : [];
  };
  return { status, flags, answer: section('ANSWER'), authority: section('AUTHORITY'), additional: section('ADDITIONAL'), raw: stdout };
}

export async function curl(url: string): Promise<string> {
  return (await runner.run(['curl', '-s', '--max-time', '5', url])).stdout;
}

/** Sends one UDP datagram and waits for one reply (undefined on timeout). */
export function udpExchange(port: number, msg: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve(undefined); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.send(msg, port, '127.0.0.1');
  });
}

/** Writes `frames` (already length-prefixed or raw bytes) on one TCP connection and collects `want` framed replies. */
export function tcpExchange(port: number, data: Buffer, want: number, timeoutMs = 2000): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const sock = net.connect(port, '127.0.0.1', () => sock.write(data));
    const done = () => { clearTimeout(t); sock.destroy(); resolve(out); };
    const t = setTimeout(done, timeoutMs);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= want) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.split(' ').pop());
  }
  return sum;
}
