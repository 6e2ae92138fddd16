// `podnet port-forward [-n NS] svc/NAME|pod/NAME [ADDR:]LOCAL:REMOTE`, as
// kubectl's: listens on the host's loopback and carries each connection into
// the pod through a Unix socket, so the host namespace gets no route, address
// or rule. For a Service, one of its ready pods is chosen and the Service port
// is mapped to that pod's targetPort, as kubectl does.

import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod, Service } from '../../api/types.js';
import { isPodReady } from '../../api/pod-helpers.js';
import { matchesServiceSelector } from '../../api/labels.js';
import { resolveTargetPort } from '../../controllers/endpointslice.js';
import { podFiles } from '../../agent/pod-files.js';
import { PodnetError } from '../../errors.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

const RELAY = fileURLToPath(new URL('../port-forward-relay.js', import.meta.url));

export function parsePortSpec(spec: string): { address: string; local: number; remote: number } {
  const parts = spec.split(':');
  let address = '127.0.0.1';
  if (parts.length === 3) address = parts.shift()!;
  const [l, r] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  const local = l === '' ? 0 : Number(l);
  const remote = Number(r);
  if (!Number.isInteger(local) || local < 0 || local > 65535 || !Number.isInteger(remote) || remote < 1 || remote > 65535) {
    throw new PodnetError('EUSAGE', `invalid port specification "${spec}": use [ADDR:]LOCAL:REMOTE`);
  }
  if (address !== '127.0.0.1' && address !== 'localhost' && address !== '::1') {
    throw new PodnetError('EUSAGE', `podnet port-forward listens on loopback only (got ${address})`);
  }
  return { address: address === 'localhost' ? '127.0.0.1' : address, local, remote };
}

async function target(ctx: Context, namespace: string, ref: string, remote: number): Promise<{ pod: Pod; port: number }> {
  const client = ctx.client();
  const [kind, name] = ref.includes('/') ? ref.split('/', 2) as [string, string] : ['pod', ref];
  if (['pod', 'pods', 'po'].includes(kind)) return { pod: await client.get<Pod>('pods', namespace, name), port: remote };
  if (!['svc', 'service', 'services'].includes(kind)) throw new PodnetError('EUSAGE', `port-forward supports pod/NAME and svc/NAME, not "${kind}"`);
  const svc = await client.get<Service>('services', namespace, name);
  const sp = svc.spec.ports?.find((p) => p.port === remote);
  if (!sp) throw new PodnetError('ENOTFOUND', `Service ${name} does not have a service port ${remote}`);
  const pods = (await client.list<Pod>('pods', namespace)).items.filter((p) => matchesServiceSelector(svc.spec.selector, p.metadata.labels) && isPodReady(p));
  const pod = pods[0];
  if (!pod) throw new PodnetError('ENOTFOUND', `no ready pods found for service ${name}`);
  const port = resolveTargetPort(sp, pod);
  if (port === undefined) throw new PodnetError('ENOTFOUND', `pod ${pod.metadata.name} has no port named ${String(sp.targetPort)}`);
  return { pod, port };
}

export async function portForwardCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const [ref, spec] = flags.positionals;
  if (!ref || !spec) throw new PodnetError('EUSAGE', 'usage: podnet port-forward [-n NS] svc/NAME|pod/NAME [ADDR:]LOCAL:REMOTE');
  const { address, local, remote } = parsePortSpec(spec);
  const namespace = flags.namespace ?? 'default';
  const { pod, port } = await target(ctx, namespace, ref, remote);
  let sandbox: number;
  try { sandbox = Number(readFileSync(podFiles(ctx.paths.pods, pod.metadata.uid!).sandboxPid, 'utf8')); } catch {
    throw new PodnetError('ENOTRUNNING', `pod ${pod.metadata.name} is not running`);
  }
  const unix = path.join(ctx.paths.dir, `port-forward-${process.pid}.sock`);
  const relay = spawn('nsenter', ['-t', String(sandbox), '--net', '--', process.execPath, RELAY, '--unix', unix, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    relay.stdout!.once('data', () => resolve());
    relay.once('exit', (code) => reject(new PodnetError('EPORTFORWARD', `the port-forward relay in pod ${pod.metadata.name} exited (${code})`)));
  });
  const server = net.createServer((inbound) => {
    process.stdout.write(`Handling connection for ${local || (server.address() as net.AddressInfo).port}\n`);
    const outbound = net.connect(unix);
    inbound.pipe(outbound).pipe(inbound);
    const close = () => { inbound.destroy(); outbound.destroy(); };
    inbound.on('error', close);
    outbound.on('error', close);
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(local, address, resolve); });
  const bound = (server.address() as net.AddressInfo).port;
  process.stdout.write(`Forwarding from ${address}:${bound} -> ${port}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    relay.once('exit', stop);
  });
  server.close();
  relay.kill('SIGTERM');
  rmSync(unix, { force: true });
  return 0;
}
