// The EndpointSlice controller on a real in-memory registry, for the tests
// that watch what it writes. Stopped by the caller's after().

import { LocalClient } from '../../../src/client/local-client.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice.js';
import { InformerFactory } from '../../../src/controllers/informer-factory.js';
import { setup } from '../store/registry-fixture.js';

export async function startEndpointSliceController(stops: (() => void)[]): Promise<LocalClient> {
  const { registry } = setup();
  const client = new LocalClient(registry);
  const informers = new InformerFactory(client);
  const controller = new EndpointSliceController(informers, client);
  informers.start();
  await informers.waitForSync();
  controller.run();
  stops.push(() => { controller.stop(); informers.stop(); });
  return client;
}
