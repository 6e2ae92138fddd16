// `podnet demo`: brings the cluster up, applies the built-in shop example and
// sends one HTTPS request from the outside client through every layer —
// external DNS → cloud load balancer → NGINX ingress → Service → pod — then
// prints what each layer did as `podnet trace` reads it (trace.ts): the DNS
// answer, the router's conntrack entry, NGINX's access-log line (matched by
// request id), the EndpointSlice, and the pod's own reply.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ingress, Pod } from '../../api/types.js';
import { isPodReady } from '../../api/pod-helpers.js';
import { PodnetError } from '../../errors.js';
import { defaultRunner } from '../../net/runner.js';
import type { CommonFlags } from '../args.js';
import { clusterOption, type Context } from '../context.js';
import { explainTrace } from '../../trace/explain.js';
import { nodeIPs } from '../../trace/lookup.js';
import { applyManifests } from './apply.js';
import { outsideClient, traceRequest } from './trace.js';
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
  const from = outsideClient(ctx);
  const outside = (cmd: string[]) => defaultRunner.run(from.argv(cmd), { allowFailure: true });
  await until(`external DNS to publish ${HOST}`, async () => {
    const r = await outside(['dig', '+short', '+time=1', '+tries=1', HOST]);
    return r.stdout.trim().split('\n').includes(lbIP) ? true : undefined;
  }, progress);
  // what the last try got, so a timeout says why (a certificate the example's CA does not sign, a 503…)
  let last = '';
  await until('NGINX to route the example', async () => {
    const r = await outside(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', '--cacert', CA, `https://${HOST}${REQUEST_PATH}`]);
    if (r.stdout !== '200') last = r.stderr.trim() || `HTTP ${r.stdout}`;
    return r.stdout === '200' ? true : undefined;
  }, progress).catch((err: Error) => { throw last ? new PodnetError('ETIMEOUT', `${err.message} (the last try: ${last})`) : err; });

  step(4, `request from the outside client (198.51.100.10): curl https://${HOST}${REQUEST_PATH}`);
  // podnet trace's reading of the request, with the example's CA verifying the certificate
  const evidence = await traceRequest(ctx, new URL(`https://${HOST}${REQUEST_PATH}`), from, { cacert: CA });
  const report = explainTrace(evidence);
  if (!report.ok) throw new PodnetError('EDEMO', `demo: the request failed at ${report.failure}`);
  const node = (evidence.lbChoice && nodeIPs(evidence.cluster).get(evidence.lbChoice.nodeIP)) ?? 'node-1';
  const controller = evidence.ingressPod ?? '<controller-pod>';
  const out = [
    '',
    'User → DNS → Load Balancer → Ingress → Service → Pod, layer by layer:',
    '',
    ...report.lines,
    '',
    `Done in ${((performance.now() - t0) / 1000).toFixed(1)}s. Try next (from this checkout):`,
    ...nextSteps(ctx.cluster, node, controller).map((line) => `  ${line}`),
    '',
  ];
  process.stdout.write(out.join('\n'));
  return 0;
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
    pn('doctor', ''),
    // what the demo's requests left on record, then live until Ctrl-C: run it beside another terminal's requests (docs/observe.md)
    pn('observe', `-n ${NAMESPACE} --last 20 -f`),
    pn('get', `pods,svc,endpointslices,ingress -n ${NAMESPACE} -o wide`),
    // the Gateway API on the same example (docs/gateway.md)
    pn('apply', '-f examples/gateway/'),
    pn('trace', "http://store.example.test/ -H 'X-Canary: yes'"),
    pn('exec', `-n ${NAMESPACE} db-0 -- dig +short db.${NAMESPACE}.svc.cluster.local`),
    pn('exec', `node/${node} -- nft list table ip podnet`),
    pn('exec', `-n ingress-nginx ${controllerPod} -- cat /etc/nginx/nginx.conf`),
    pn('down', ''),
  ];
}
