// The cloud load balancer's data-path process. The daemon starts it inside
// the router namespace:
//
//   nsenter --net=/run/netns/pn-<c>-router -- node <WATCHER_V8_FLAGS> dist/src/cloud/lb-agent-main.js --cluster <c>
//
// (nsenter, not `ip netns exec`, for the same reason as the node agents: no
// private mount namespace.) It talks to the API server over the cluster's
// Unix socket like any other client, and logs to stderr.

import { parseArgs } from 'node:util';
import { HttpClient } from '../client/http-client.js';
import { clusterName, clusterPaths } from '../config.js';
import { InformerFactory } from '../controllers/informer-factory.js';
import { defaultRunner } from '../net/runner.js';
import { LbAgent } from './lb-agent.js';
import { LB_SERVICES_FIELD_SELECTOR } from './lb-allocator.js';
import { lbStatusPath } from './lb-status.js';
import { StartupTrace } from '../startup-trace.js';
import { timeConnections } from '../net/conntrack-timestamps.js';
import { NFLOG_GROUP } from '../net/nflog.js';
import { LOAD_BALANCER_OBSERVER, refusalLogPath } from '../observe/refusal-log.js';
import { RefusalRecorder } from '../observe/refusal-recorder.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cluster: { type: 'string' } } });
  const cluster = clusterName(values.cluster);
  const paths = clusterPaths(cluster);
  const trace = StartupTrace.open(paths.dir, 'lb-agent');
  trace.mark('main');
  const client = new HttpClient({ socketPath: paths.socket });
  // Only LoadBalancer Services can be this LB's (servesService): the API server
  // filters the others out (spec.type is a Service field label upstream too),
  // so a burst of ClusterIP Services costs this process no watch events and
  // the daemon no writes to it. A Service whose type changes away from
  // LoadBalancer arrives as DELETED (the watch cache's rule for an object
  // leaving a selection), which removes its frontend like a deletion.
  const informers = new InformerFactory(client, { services: { fieldSelector: LB_SERVICES_FIELD_SELECTOR } });
  const agent = new LbAgent({ informers, runner: defaultRunner, statusPath: lbStatusPath(paths.dir) });
  informers.start();
  await informers.waitForSync();
  await agent.start();
  trace.mark('ready');
  // the load balancer's rejects and drops (lb-ruleset.ts), for `podnet observe`
  const log = (line: string) => { process.stderr.write(`[lb-agent ${cluster}] ${line}\n`); };
  const refusals = new RefusalRecorder({
    file: refusalLogPath(paths.dir, LOAD_BALANCER_OBSERVER), groups: [NFLOG_GROUP.serviceReject, NFLOG_GROUP.serviceDrop],
    say: log,
  });
  refusals.start();
  timeConnections(log);
  process.stderr.write(`[lb-agent ${cluster}] ready\n`);

  const stop = () => {
    // The table stays: connections keep flowing while a new agent starts.
    agent.stop();
    informers.stop();
    refusals.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`[lb-agent] fatal: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
