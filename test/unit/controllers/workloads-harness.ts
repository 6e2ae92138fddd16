// The Deployment and ReplicaSet controllers together on a real in-memory
// registry, as the daemon runs them: no node agent, so pods stay as the
// test sets their status.

import type { LocalClient } from '../../../src/client/local-client.js';
import { DeploymentController } from '../../../src/controllers/deployment.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset.js';
import { startController } from './controller-harness.js';

export function startWorkloads(stops: (() => void)[], events: EventRecorder = new FakeEventRecorder()): Promise<LocalClient> {
  return startController(stops, (informers, client) => {
    const controllers = [new DeploymentController(informers, client, events), new ReplicaSetController(informers, client, events)];
    return { run: () => { for (const c of controllers) c.run(); }, stop: () => { for (const c of controllers) c.stop(); } };
  });
}
