// One controller on a real in-memory registry, for the tests that watch what
// it writes: informers listed, the controller running. Stopped by the
// caller's after() through `stops`.

import { LocalClient } from '../../../src/client/local-client.js';
import { InformerFactory } from '../../../src/controllers/informer-factory.js';
import { setup } from '../store/registry-fixture.js';

export async function startController(stops: (() => void)[], make: (informers: InformerFactory, client: LocalClient) => { run(): void; stop(): void }): Promise<LocalClient> {
  const { registry } = setup();
  const client = new LocalClient(registry);
  const informers = new InformerFactory(client);
  const controller = make(informers, client);
  informers.start();
  await informers.waitForSync();
  controller.run();
  stops.push(() => { controller.stop(); informers.stop(); });
  return client;
}
