// The UDP path under the DNS server (src/dns/udp-fast-path.ts): the handle
// path Node 20 offers and the public dgram fallback carry the same datagrams;
// sends that libuv queues instead of sending at once (forced with Node's
// --test-udp-no-try-send) keep their bytes alive and arrive intact; and the
// whole server answers the same over either path. Real sockets on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_CLUSTER_DNS_OPTIONS } from '../../../src/dns/answer.js';
import { ClusterResolver } from '../../../src/dns/cluster-resolver.js';
import { DnsServer } from '../../../src/dns/server.js';
import { attachUdp, UDP_PATH_ENV } from '../../../src/dns/udp-fast-path.js';
import { fixture } from '../../unit/dns/fixture.js';
import { dig } from './helpers.js';

const fastPathModule = pathToFileURL(fileURLToPath(new URL('../../../src/dns/udp-fast-path.js', import.meta.url))).href;

async function bound(options: dgram.SocketOptions = { type: 'udp4' }): Promise<dgram.Socket> {
  const s = dgram.createSocket(options);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

for (const [label, env, fast] of [['handle path', {}, true], ['public dgram path', { [UDP_PATH_ENV]: 'public' }, false]] as const) {
  test(`${label}: a datagram in, the answer back to the address and port it came from`, async () => {
    const server = await bound();
    const client = await bound();
    try {
      const attached = attachUdp(server, (msg, from) => attached.send(Buffer.concat([Buffer.from('re:'), msg]), from.port, from.address), env);
      assert.equal(attached.fast, fast);
      const reply = new Promise<Buffer>((resolve) => client.once('message', resolve));
      client.send('ping', server.address().port, '127.0.0.1');
      assert.equal((await reply).toString(), 're:ping');
    } finally {
      server.close();
      client.close();
    }
  });
}

test('sends libuv queues (--test-udp-no-try-send) keep their bytes through GC and all arrive intact', async () => {
  // A child process, because the flag is per process: 2,000 distinct 1,000-byte datagrams, each from
  // a buffer nothing else references, a full GC while they are queued, then every one checked.
  const script = `
    import dgram from 'node:dgram';
    import { attachUdp } from ${JSON.stringify(fastPathModule)};
    const N = 2000;
    const rx = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    const tx = dgram.createSocket('udp4');
    await new Promise((r) => rx.bind(0, '127.0.0.1', r));
    await new Promise((r) => tx.bind(0, '127.0.0.1', r));
    const { send, fast } = attachUdp(tx, () => {});
    const seen = new Set();
    let bad = 0;
    const done = new Promise((resolve) => {
      rx.on('message', (m) => {
        const i = m.readUInt32BE(0);
        if (m.length !== 1000 || m.readUInt32BE(996) !== i || m[500] !== (i & 0xff)) bad++;
        seen.add(i);
        if (seen.size === N) resolve();
      });
      setTimeout(resolve, 5000).unref();
    });
    for (let i = 0; i < N; i++) {
      const b = Buffer.alloc(1000, i & 0xff);
      b.writeUInt32BE(i, 0);
      b.writeUInt32BE(i, 996);
      send(b, rx.address().port, '127.0.0.1');
    }
    const queued = tx.getSendQueueCount();
    globalThis.gc();
    await done;
    console.log(JSON.stringify({ fast, queued, received: seen.size, bad }));
    rx.close();
    tx.close();
  `;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--test-udp-no-try-send', '--expose-gc', '--input-type=module', '-e', script], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
  });
  const r = JSON.parse(out) as { fast: boolean; queued: number; received: number; bad: number };
  assert.equal(r.fast, true);
  assert.ok(r.queued > 0, `the sends were queued (${r.queued}), so the queued path was what ran`);
  assert.deepEqual({ received: r.received, bad: r.bad }, { received: 2000, bad: 0 });
});

test('the DNS server answers the same over the public dgram path (PODNET_DNS_UDP=public)', async () => {
  const handler = new ClusterResolver(fixture(), DEFAULT_CLUSTER_DNS_OPTIONS);
  const fast = new DnsServer({ handler, host: '127.0.0.1', port: 0 });
  const previous = process.env[UDP_PATH_ENV];
  process.env[UDP_PATH_ENV] = 'public';
  const pub = new DnsServer({ handler, host: '127.0.0.1', port: 0 });
  try {
    await pub.start();
    if (previous === undefined) delete process.env[UDP_PATH_ENV]; else process.env[UDP_PATH_ENV] = previous;
    await fast.start();
    for (const args of [['WeB.Default.svc.cluster.local', 'A'], ['nosuch.default.svc.cluster.local', 'A'], ['+bufsize=4096', 'web.default.svc.cluster.local', 'SRV']]) {
      const [a, b] = [await dig(fast.port, ...args), await dig(pub.port, ...args)];
      assert.deepEqual([b.status, b.flags, b.answer, b.authority.map((l) => l.replace(/ \d+ \d+ \d+ \d+ \d+ \d+$/, ''))], [a.status, a.flags, a.answer, a.authority.map((l) => l.replace(/ \d+ \d+ \d+ \d+ \d+ \d+$/, ''))], args.join(' '));
      assert.ok(a.status === 'NOERROR' || a.status === 'NXDOMAIN');
    }
  } finally {
    if (previous === undefined) delete process.env[UDP_PATH_ENV]; else process.env[UDP_PATH_ENV] = previous;
    await pub.stop();
    await fast.stop();
  }
});
