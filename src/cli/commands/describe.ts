// `podnet describe KIND NAME [-n NS]`: the object, what relates to it, and its recent events.

import type { EndpointSlice, Event, KubeObject, Pod, Service } from '../../api/types.js';
import { PodnetError } from '../../errors.js';
import { describe } from '../printers/describe.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { parseTargets } from './get.js';

export async function describeCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const targets = parseTargets(flags.positionals);
  const client = ctx.client();
  const out: string[] = [];
  for (const t of targets) {
    const namespace = t.resource.namespaced ? flags.namespace ?? 'default' : undefined;
    let objects: KubeObject[];
    if (t.names.length > 0) objects = await Promise.all(t.names.map((n) => client.get(t.resource.plural, namespace, n)));
    else objects = (await client.list(t.resource.plural, namespace, flags.selector ? { labelSelector: flags.selector } : {})).items;
    if (objects.length === 0) throw new PodnetError('ENOTFOUND', `No resources found in ${namespace ?? 'default'} namespace.`);
    for (const obj of objects) {
      const eventNs = obj.metadata.namespace ?? 'default';
      const events = (await client.list<Event>('events', eventNs)).items
        .filter((e) => e.involvedObject.uid ? e.involvedObject.uid === obj.metadata.uid : e.involvedObject.name === obj.metadata.name && e.involvedObject.kind === obj.kind)
        .sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''));
      const related: { endpointSlices?: EndpointSlice[]; pods?: Pod[]; services?: Service[] } = {};
      const kind = obj.kind ?? t.resource.kind;
      if (kind === 'Service') {
        related.endpointSlices = (await client.list<EndpointSlice>('endpointslices', eventNs, { labelSelector: `kubernetes.io/service-name=${obj.metadata.name}` })).items;
      } else if (kind === 'Ingress') {
        related.services = (await client.list<Service>('services', eventNs)).items;
        related.endpointSlices = (await client.list<EndpointSlice>('endpointslices', eventNs)).items;
      } else if (kind === 'Node') {
        related.pods = (await client.list<Pod>('pods', undefined, { fieldSelector: `spec.nodeName=${obj.metadata.name}` })).items;
      } else if (kind === 'StatefulSet' || kind === 'Deployment') {
        related.pods = (await client.list<Pod>('pods', eventNs)).items.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid));
      }
      out.push(describe({ ...obj, kind: obj.kind ?? t.resource.kind }, events, related));
    }
  }
  process.stdout.write(out.join('\n\n'));
  if (!out.at(-1)?.endsWith('\n')) process.stdout.write('\n');
  return 0;
}
