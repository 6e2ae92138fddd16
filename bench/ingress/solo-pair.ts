// Issue 6's in-cluster pair, as the benches find it in a running cluster: the
// ingress controller pod, a 1-replica podnet/echo pod `solo` routed by the
// Ingress `solo`, and the controller's node as the place wrk runs from for
// both sides (so the client's own path differs only by the hop measured).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pod } from '../../src/api/types.js';
import { netnsNames } from '../../src/config.js';
import { echoApp } from '../../test/support/manifests.js';
import { eventually, type podnet, run } from '../../test/support/cli.js';
import { parseWrk, type WrkResult } from '../wrk.js';
import { cmdline } from '../proc-stat.js';
import { podFiles } from '../../src/agent/pod-files.js';
import { endpointsFile } from '../../src/ingress/lua-module.js';

export const SOLO_HOST = 'solo.example.test';
/** the backend's container port (podnet/echo's default) */
export const ECHO_PORT = 8080;

export const SOLO_MANIFEST = `${echoApp({ name: 'solo', replicas: 1 })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: solo}
spec:
  rules:
    - host: ${SOLO_HOST}
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: solo, port: {number: 80}}}}]}
`;

/** cluster steps (up, pods Ready, routes) take seconds: wait long, poll gently */
const until = <T>(what: string, fn: () => Promise<T | undefined>) => eventually(what, fn, 90_000, 200);

export interface SoloPair {
  controller: Pod;
  solo: Pod;
  /** the controller's node netns: wrk runs here for both sides */
  clientNs: string;
  controllerNs: string;
  ingressUrl: string;
  soloUrl: string;
  nginxPids: number[];
  backendPids: number[];
}

/** Pids in a network namespace whose command name is `comm`. */
export async function pidsIn(netns: string, comm: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', netns]);
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm; } catch { return false; }
  });
}

/** how long NGINX's processes must stay the same before a measurement starts (a reload replaces its workers) */
const NGINX_SETTLE_MS = 500;

/** The nginx.conf the ingress controller pod renders (its volume on the host). */
export function nginxConfPath(clusterDir: string, controller: Pod): string {
  return path.join(podFiles(path.join(clusterDir, 'pods'), controller.metadata.uid!).dir, 'volumes', 'nginx-conf', 'nginx.conf');
}

/** The balancer's endpoints file in the controller pod's conf volume (`/etc/nginx/run/endpoints.txt` inside the pod). */
export function endpointsFilePath(clusterDir: string, controller: Pod): string {
  return endpointsFile(path.join(path.dirname(nginxConfPath(clusterDir, controller)), 'run'));
}

/**
 * Waits until NGINX proxies to these pod addresses (`ip:port`) by their IPs:
 * the balancer's endpoints name them (docs/ingress.md, lua-module.ts), and
 * NGINX's processes, none of them an old worker shutting down after the
 * reload that brought the Ingress, stay the same for NGINX_SETTLE_MS: the
 * worker a round counts must not be replaced mid-run. Returns NGINX's pids.
 */
export async function untilNginxProxiesToPods(clusterDir: string, controller: Pod, controllerNs: string, addresses: readonly string[]): Promise<number[]> {
  const file = endpointsFilePath(clusterDir, controller);
  const settled = async () => {
    const pids = await pidsIn(controllerNs, 'nginx');
    return pids.some((pid) => cmdline(pid).includes('shutting down')) ? undefined : pids.join(' ');
  };
  return until(`NGINX to proxy to ${addresses.join(', ')} by pod IP`, async () => {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { return undefined; }
    if (!addresses.every((a) => text.includes(` ${a.replace(/:(\d+)$/, ',$1')}`))) return undefined;
    const before = await settled();
    if (before === undefined) return undefined;
    await new Promise((r) => setTimeout(r, NGINX_SETTLE_MS));
    return (await settled()) === before ? before.split(' ').map(Number) : undefined;
  });
}

/** Finds the pair once SOLO_MANIFEST is applied, and waits until the Ingress routes to the pod by its IP. */
export async function soloPair(cluster: string, pn: ReturnType<typeof podnet>, clusterDir: string): Promise<SoloPair> {
  const controller = (JSON.parse((await pn(['get', 'pods', '-n', 'ingress-nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items[0]!;
  const solo = await until('the solo pod Ready', async () => (JSON.parse((await pn(['get', 'pods', '-l', 'app=solo', '-o', 'json'])).stdout) as { items: Pod[] }).items
    .find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
  const clientNs = netnsNames.node(cluster, controller.spec.nodeName!);
  const controllerNs = netnsNames.pod(cluster, controller.metadata.uid!);
  const ingressUrl = `http://${controller.status!.podIP}/`;
  await until('the solo Ingress rule routes', async () => ((await run(['ip', 'netns', 'exec', clientNs, 'curl', '-sf', '-m', '2', '-H', `Host: ${SOLO_HOST}`, ingressUrl])).code === 0 ? true : undefined));
  const nginxPids = await untilNginxProxiesToPods(clusterDir, controller, controllerNs, [`${solo.status!.podIP}:${ECHO_PORT}`]);
  return {
    controller, solo, clientNs, controllerNs, ingressUrl,
    soloUrl: `http://${solo.status!.podIP}:${ECHO_PORT}/`,
    nginxPids,
    backendPids: await pidsIn(netnsNames.pod(cluster, solo.metadata.uid!), 'node'),
  };
}

export interface Wrk extends WrkResult { cpuMs: number }

/** wrk's report plus its user + system CPU from `/usr/bin/time -f 'cpu %U %S'` on stderr. */
export function parseWrkWithCpu(out: string, timeErr: string): Wrk {
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(timeErr);
  return { ...parseWrk(out), cpuMs: (Number(cpu?.[1] ?? NaN) + Number(cpu?.[2] ?? NaN)) * 1000 };
}

export interface WrkOptions { threads: number; connections: number; duration: string }

/** One wrk run in `netns`, with its CPU time. The same argv for every side but the URL and Host header. */
export async function wrkIn(netns: string, url: string, o: WrkOptions, headers: readonly string[] = []): Promise<Wrk> {
  const r = await run(['/usr/bin/time', '-f', 'cpu %U %S', 'ip', 'netns', 'exec', netns, 'wrk', `-t${o.threads}`, `-c${o.connections}`, `-d${o.duration}`, '--latency', ...headers, url]);
  if (r.code !== 0) throw new Error(`wrk ${url}: ${r.stderr}`);
  return parseWrkWithCpu(r.stdout, r.stderr);
}

