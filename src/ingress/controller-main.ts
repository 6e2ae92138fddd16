#!/usr/bin/env node
// The ingress controller's entry point, as the `ingress-nginx` pod runs it:
//   controller-main --api-socket PATH --conf-dir DIR [--http-port 80] [--https-port 443]
//     [--runtime-dir DIR] [--listen-address IP] [--ingress-class nginx]
//     [--publish-service ingress-nginx/ingress-nginx-controller] [--worker-user USER] [--worker-processes N]
// The live conf is <conf-dir>/nginx.conf (the node agent bind-mounts it where
// `cat /etc/nginx/nginx.conf` in the pod shows it). NGINX runs as this
// process's child; SIGTERM stops both gracefully; when NGINX dies on its
// own, what it left is stopped and this process exits 1.

import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from '../client/http-client.js';
import { defaultRunner } from '../net/runner.js';
import { IngressController, DEFAULT_PUBLISH_SERVICE } from './controller.js';
import { defaultCertFiles, ensureDefaultCert } from './default-cert.js';
import { CONTROLLER_NAME } from './ingress-class.js';
import { defaultWorkerProcesses } from './nginx-conf.js';
import { NginxProcess } from './nginx-process.js';
import { StartupTrace } from '../startup-trace.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'api-socket': { type: 'string' },
      'conf-dir': { type: 'string' },
      'runtime-dir': { type: 'string' },
      'http-port': { type: 'string', default: '80' },
      'https-port': { type: 'string', default: '443' },
      'listen-address': { type: 'string' },
      'ingress-class': { type: 'string', default: 'nginx' },
      'publish-service': { type: 'string', default: `${DEFAULT_PUBLISH_SERVICE.namespace}/${DEFAULT_PUBLISH_SERVICE.name}` },
      'worker-user': { type: 'string' },
      'worker-processes': { type: 'string' },
    },
    strict: true,
  });
  const socket = values['api-socket'];
  const confDir = values['conf-dir'];
  if (!socket || !confDir) throw new Error('usage: controller-main --api-socket PATH --conf-dir DIR [--http-port 80] [--https-port 443]');
  const [pubNs, pubName] = values['publish-service']!.split('/');
  if (!pubNs || !pubName) throw new Error(`--publish-service must be NAMESPACE/NAME, got ${values['publish-service']}`);
  const workerProcesses = values['worker-processes'] ? Number(values['worker-processes']) : defaultWorkerProcesses(availableParallelism());
  if (!Number.isInteger(workerProcesses) || workerProcesses < 1) throw new Error(`--worker-processes must be a positive integer, got ${values['worker-processes']}`);
  // The API socket lies in the cluster's state directory, where the start-up trace is.
  const trace = StartupTrace.open(path.dirname(socket), 'ingress');
  trace.mark('main');
  const runtimeDir = path.resolve(values['runtime-dir'] ?? path.join(confDir, 'run'));
  const conf = path.resolve(confDir, 'nginx.conf');

  const nginx = new NginxProcess({ prefix: runtimeDir, conf, certDir: path.join(runtimeDir, 'certs') }, defaultRunner);
  // NGINX's directories and the default certificate (an openssl run on a
  // pod's first start) are made while the informers list (controller.start).
  const defaultCertDir = path.join(runtimeDir, 'default-cert');
  const defaultCert = defaultCertFiles(defaultCertDir);
  const prepared = Promise.all([nginx.prepare(), ensureDefaultCert(defaultCertDir, defaultRunner)]).then(() => trace.mark('nginx dirs and default certificate ready'));
  const client = new HttpClient({ socketPath: socket });
  const controller = new IngressController({
    client,
    nginx,
    render: {
      runtimeDir, certDir: path.join(runtimeDir, 'certs'), defaultCert,
      httpPort: Number(values['http-port']), httpsPort: Number(values['https-port']), workerProcesses,
      ...(values['listen-address'] ? { listenAddress: values['listen-address'] } : {}),
      ...(values['worker-user'] ? { workerUser: values['worker-user'] } : {}),
      // nginx runs with socketpair stdio (libuv), which /dev/stdout cannot open;
      // the access log file under the runtime dir is the evidence podnet reads.
      accessLogStdout: false,
    },
    classConfig: { className: values['ingress-class']!, controller: CONTROLLER_NAME },
    publishService: { namespace: pubNs, name: pubName },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`ingress controller: ${signal}, stopping`);
    await controller.stop();
    await nginx.stop();
    client.close();
    process.exit(0);
  };
  // NGINX died on its own: its workers would hold the ports against the
  // next start, so they are stopped first (stopLeftovers), then the
  // controller exits non-zero and the pod restarts it with a fresh NGINX.
  nginx.onUnexpectedExit((code, signal) => {
    console.error(`ingress controller: nginx exited (${signal ?? `code ${code}`}); stopping what is left of it, then exiting so the pod restarts`);
    void nginx.stopLeftovers().catch((e: Error) => console.error(`ingress controller: ${e.message}`)).finally(() => process.exit(1));
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const report = await controller.start(prepared);
  trace.mark(`first sync done, nginx ${report.result.action} in ${report.result.ms} ms`);
  if (!nginx.running) {
    // Nothing serves traffic: fail loudly so the pod shows a crash, not a silent Running.
    throw new Error(`nginx could not be started: ${'error' in report.result ? report.result.error : report.result.action}`);
  }
  console.error(`ingress controller: serving ${report.table.served.length} ingresses; nginx ${report.result.action} (pid ${nginx.pid ?? '-'})`);
}

main().catch((e: unknown) => {
  console.error(`ingress controller: ${(e as Error).message}`);
  process.exit(1);
});
