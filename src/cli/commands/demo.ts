// `podnet demo`: brings the cluster up, applies the built-in shop example and
// sends one HTTPS request from the outside client through every layer —
// external DNS → cloud load balancer → NGINX ingress → Service → pod — then
// prints what each layer did, read from the evidence each layer leaves: the
// DNS answer, the router's conntrack entry, NGINX's access log line (matched by
// request id), the EndpointSlice, and the pod's own reply.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, Ingress, Pod, Service } from '../../api/types.js';
import { isPodReady } from '../../api/pod-helpers.js';
import { netnsNames } from '../../config.js';
import { podFiles } from '../../agent/pod-files.js';
import { joinSandboxArgv } from '../../agent/sandbox.js';
import { outsideFiles } from '../../daemon/outside-world.js';
import { PodnetError } from '../../errors.js';
import type { CommonFlags } from '../args.js';
import { clusterOption, type Context } from '../context.js';
import { applyManifests } from './apply.js';
import { upCommand } from './up-down.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const CA = path.join(EXAMPLES, 'example-ca.crt');
const HOST = 'shop.example.test';
const REQUEST_PATH = '/api/orders';
const NAMESPACE = 'shop';
const READY_TIMEOUT_MS = 60_000;
/** a check that is one API request (as `podnet up` polls) */
const API_POLL_MS = 25;
/** a check that starts processes in the outside client (dig, curl) */
const PROCESS_POLL_MS = 100;
/** how long to wait for NGINX's buffered access log to show the demo's request (its flush interval is 100 ms) */
const ACCESS_LOG_WAIT_MS = 1_000;
const ACCESS_LOG_POLL_MS = 20;

function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, progress: (m: string) => void, intervalMs = PROCESS_POLL_MS): Promise<T> {
  const started = performance.now();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  progress(`waiting for ${what}…`);
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) {
      // A learner sees which layer took the time, not only that it was waited for.
      progress(`  … ${((performance.now() - started) / 1000).toFixed(2)}s`);
      return v;
    }
    if (Date.now() > deadline) throw new PodnetError('ETIMEOUT', `demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface EchoReply { pod: string; node: string; podIP: string; clientIP: string; message?: string; headers: Record<string, string> }
interface AccessLine { ingress: string; service: string; rule_host: string; rule_path: string; upstream_addr: string; remote_addr: string; status: number; request_id: string; request_time: number }

export async function demoCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const step = (n: number, text: string) => process.stderr.write(`\n[${n}/4] ${text}\n`);
  const progress = (m: string) => process.stderr.write(`      ${m}\n`);
  const t0 = performance.now();

  step(1, `cluster "${ctx.cluster}": network, daemon, nodes, cluster DNS, ingress controller, load balancer`);
  await upCommand(ctx, { ...flags, bare: false }, true);
  progress(`up in ${((performance.now() - t0) / 1000).toFixed(1)}s`);

  step(2, `built-in example (${path.relative(process.cwd(), EXAMPLES) || EXAMPLES}): frontend + api Deployments, db StatefulSet, Services, Ingress with TLS`);
  const { applied, errors } = await applyManifests(ctx, [EXAMPLES]);
  if (errors.length > 0) throw new PodnetError('EDEMO', `demo: the built-in example did not apply: ${errors.join('; ')}`);
  progress(`${applied.length} objects applied`);

  step(3, 'waiting for every layer to be ready');
  const client = ctx.client();
  await until('the shop pods to be Ready', async () => {
    const pods = (await client.list<Pod>('pods', NAMESPACE)).items;
    return pods.length >= 6 && pods.every(isPodReady) ? true : undefined;
  }, progress, API_POLL_MS);
  const lbIP = await until('the Ingress to get its load-balancer address', async () => {
    const ing = await client.get<Ingress>('ingresses', NAMESPACE, 'shop');
    return ing.status?.loadBalancer?.ingress?.[0]?.ip;
  }, progress, API_POLL_MS);
  const holder = Number(readFileSync(outsideFiles(ctx.paths).holderPid, 'utf8'));
  const outside = (cmd: string[]) => capture(joinSandboxArgv(holder, cmd));
  await until(`external DNS to publish ${HOST}`, async () => {
    const r = await outside(['dig', '+short', '+time=1', '+tries=1', HOST]);
    return r.stdout.trim().split('\n').includes(lbIP) ? true : undefined;
  }, progress);
  await until('NGINX to route the example', async () => {
    const r = await outside(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', '--cacert', CA, `https://${HOST}${REQUEST_PATH}`]);
    return r.stdout === '200' ? true : undefined;
  }, progress);

  step(4, `request from the outside client (198.51.100.10): curl https://${HOST}${REQUEST_PATH}`);
  const dig = await outside(['dig', '+noall', '+answer', '+stats', HOST]);
  const answer = dig.stdout.split('\n').find((l) => /\sA\s/.test(l))?.trim().replace(/\s+/g, ' ') ?? '(no answer)';
  const digTime = /Query time: (\d+ msec)/.exec(dig.stdout)?.[1] ?? '?';
  const curl = await outside(['curl', '-sS', '--max-time', '5', '--cacert', CA, '-w', '\n%{local_port} %{remote_ip} %{http_code} %{time_total}', `https://${HOST}${REQUEST_PATH}`]);
  if (curl.code !== 0) throw new PodnetError('EDEMO', `demo: the request failed: ${curl.stderr.trim()}`);
  const lines = curl.stdout.trimEnd().split('\n');
  const [localPort, remoteIP, httpCode, total] = lines.pop()!.split(' ');
  const reply = JSON.parse(lines.join('\n')) as EchoReply;

  // Load balancer: the router's conntrack entry for this very connection.
  const ct = await capture(['ip', 'netns', 'exec', netnsNames.router(ctx.cluster), 'conntrack', '-L', '-p', 'tcp', '--orig-src', '198.51.100.10', '--sport', localPort!]);
  const ctLine = ct.stdout.split('\n').find((l) => l.includes(`dst=${lbIP}`)) ?? '';
  const replySrc = /src=(\S+) dst=198\.51\.100\.10 sport=(\d+)/.exec(ctLine);
  const nodes = (await client.list('nodes')).items as { metadata: { name: string }; status?: { addresses?: { type: string; address: string }[] } }[];
  const chosenNode = nodes.find((n) => n.status?.addresses?.some((a) => a.address === replySrc?.[1]))?.metadata.name ?? '?';
  let lbDetail = '';
  try {
    const status = JSON.parse(readFileSync(path.join(ctx.paths.dir, 'lb-status.json'), 'utf8')) as { frontends: { address: string; externalTrafficPolicy: string; targets: { node: string; state: string; detail: string }[] }[] };
    const fe = status.frontends.find((f) => f.address.startsWith(`${lbIP}:443`));
    if (fe) lbDetail = `health checks (${fe.externalTrafficPolicy}): ${fe.targets.map((t) => `${t.node} ${t.state}${t.state !== 'healthy' ? ` (${t.detail})` : ''}`).join(', ')}`;
  } catch { /* no status yet */ }

  // Ingress: NGINX's access log line for this request, found by its request id.
  const requestId = reply.headers['x-request-id'] ?? '';
  const controller = (await client.list<Pod>('pods', 'ingress-nginx')).items.find(isPodReady);
  let access: AccessLine | undefined;
  if (controller) {
    const log = path.join(podFiles(ctx.paths.pods, controller.metadata.uid!).dir, 'volumes', 'nginx-conf', 'run', 'logs', 'access.log');
    // NGINX buffers its access log and flushes it at least every ACCESS_LOG_FLUSH
    // (100 ms, docs/ingress.md): the line may land a moment after the reply.
    const deadline = performance.now() + ACCESS_LOG_WAIT_MS;
    for (;;) {
      const line = existsSync(log) ? readFileSync(log, 'utf8').split('\n').reverse().find((l) => l.includes(requestId)) : undefined;
      if (line) { access = JSON.parse(line) as AccessLine; break; }
      if (performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, ACCESS_LOG_POLL_MS));
    }
  }

  // Service: the backend NGINX named, its ClusterIP and endpoints.
  const [svcNs, svcRest] = (access?.service ?? `${NAMESPACE}/api:80`).split('/') as [string, string];
  const svcName = svcRest.split(':')[0]!;
  const svc = await client.get<Service>('services', svcNs, svcName);
  const slices = (await client.list<EndpointSlice>('endpointslices', svcNs, { labelSelector: `kubernetes.io/service-name=${svcName}` })).items;
  const endpoints = slices.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).map((e) => `${e.addresses[0]}:${s.ports?.[0]?.port} (${e.targetRef?.name} on ${e.nodeName})`));

  const out = [
    '',
    `User → DNS → Load Balancer → Ingress → Service → Pod, layer by layer (request ${requestId}):`,
    '',
    `  1. DNS            the outside client's resolver asked the external DNS (198.51.100.53): ${answer} (${digTime})`,
    `                    published by podnet's external-dns controller from Ingress ${NAMESPACE}/shop`,
    `  2. Load balancer  ${lbIP}:443 → ${chosenNode} (${replySrc?.[1] ?? '?'}:${replySrc?.[2] ?? '?'}, the controller Service's NodePort), DNAT in the router, client IP kept`,
    ...(lbDetail ? [`                    ${lbDetail}`] : []),
    access
      ? `  3. Ingress        NGINX (${controller?.metadata.name}) matched host ${access.rule_host} path ${access.rule_path} of Ingress ${access.ingress} → ${access.service}; saw client ${access.remote_addr}; TLS terminated with the example's certificate`
      : '  3. Ingress        (no access-log line found for this request)',
    `  4. Service        ${svcNs}/${svcName} ClusterIP ${svc.spec.clusterIP} has ${endpoints.length} ready endpoints: ${endpoints.join(', ')}`,
    `                    ${upstreamChoice(access?.upstream_addr, svc.spec.clusterIP, reply.podIP)}`,
    `  5. Pod            ${reply.pod} on ${reply.node} (${reply.podIP}) answered ${httpCode} in ${Number(total) * 1000 | 0} ms: "${reply.message ?? ''}"`,
    `                    it saw the connection from ${reply.clientIP} (the ingress pod) with X-Forwarded-For ${reply.headers['x-forwarded-for'] ?? '?'} (the outside client)`,
    '',
    `Done in ${((performance.now() - t0) / 1000).toFixed(1)}s (remote ${remoteIP}). Try next (from this checkout):`,
    ...nextSteps(ctx.cluster, chosenNode, controller?.metadata.name ?? '<controller-pod>').map((line) => `  ${line}`),
    '',
  ];
  process.stdout.write(out.join('\n'));
  return 0;
}

/** How NGINX reached the pod: by its IP (the Lua balancer's pick) or through the ClusterIP, where the node's nftables picked the pod. */
export function upstreamChoice(upstreamAddr: string | undefined, clusterIP: string | undefined, podIP: string): string {
  const tried = upstreamAddr?.split(', ') ?? [];
  const last = tried.pop();
  if (last?.startsWith('unix:')) return 'no ready pod: NGINX\'s balancer sent it to the controller\'s own 503 server';
  if (clusterIP && last?.startsWith(`${clusterIP}:`)) {
    const why = tried.length > 0 ? `after ${tried.join(', ')} failed` : 'every pod IP it knew had failed in the last 5 s';
    return `NGINX sent it to the ClusterIP ${last} (${why}); the node's nftables DNAT chose ${podIP}`;
  }
  return `NGINX's balancer chose ${last ?? '?'} (ingress-nginx style: a ready pod IP, round robin; the ClusterIP only after the pods fail)`;
}

/**
 * What to try next, as this checkout runs it (`./podnet`, what README shows);
 * a cluster other than the default is named in every command, so the last
 * one takes down this cluster and not the default one.
 */
export function nextSteps(cluster: string, node: string, controllerPod: string): string[] {
  const pn = (command: string, rest: string) => `./podnet ${command}${clusterOption(cluster)}${rest ? ` ${rest}` : ''}`;
  return [
    pn('outside', `-- curl -s --cacert examples/example-ca.crt https://${HOST}/`),
    pn('outside', '-- curl -s http://status.example.test/hostname'),
    pn('trace', `http://api.${NAMESPACE}/ --from db-0 -n ${NAMESPACE}`),
    pn('get', `pods,svc,endpointslices,ingress -n ${NAMESPACE} -o wide`),
    pn('exec', `-n ${NAMESPACE} db-0 -- dig +short db.${NAMESPACE}.svc.cluster.local`),
    pn('exec', `node/${node} -- nft list table ip podnet`),
    pn('exec', `-n ingress-nginx ${controllerPod} -- cat /etc/nginx/nginx.conf`),
    pn('down', ''),
  ];
}
