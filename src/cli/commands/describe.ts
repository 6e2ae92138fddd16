// `podnet describe KIND [NAME…|-l SEL] [-n NS|-A]`: each object, what relates to it, and its recent events.

import type { Deployment, EndpointSlice, Event, KubeObject, Pod, ReplicaSet, Secret, Service } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import { isApiError, type ApiError } from '../../errors.js';
import { describe, type DescribeRelated } from '../printers/describe.js';
import { selectorString } from '../printers/selectors.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { parseTargets, type Target } from './get.js';

/**
 * The objects to describe, as kubectl's describe finds them: by name (each
 * missing one an error, the others still described), or by selector or all
 * in the namespace (-A: every namespace). A single missing name describes
 * the objects whose names start with it instead, when there are any
 * (kubectl's DescribeMatchingResources: `describe pod db` shows db-0, db-1).
 */
async function findObjects(client: Client, t: Target, flags: CommonFlags, errors: ApiError[]): Promise<KubeObject[]> {
  const namespace = t.resource.namespaced ? (flags.allNamespaces && t.names.length === 0 ? undefined : flags.namespace ?? 'default') : undefined;
  if (t.names.length === 0) return (await client.list(t.resource.plural, namespace, flags.selector ? { labelSelector: flags.selector } : {})).items;
  const found: KubeObject[] = [];
  for (const name of t.names) {
    try { found.push(await client.get(t.resource.plural, namespace, name)); } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
      if (flags.positionals.length === 2) {
        const matching = (await client.list(t.resource.plural, namespace)).items.filter((o) => o.metadata.name!.startsWith(name));
        if (matching.length > 0) return matching.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
      }
      errors.push(err);
    }
  }
  return found;
}

export async function describeCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const targets = parseTargets(flags.positionals, 'describe');
  const client = ctx.client();
  const out: string[] = [];
  const errors: ApiError[] = [];
  for (const t of targets) {
    for (const obj of await findObjects(client, t, flags, errors)) {
      const eventNs = obj.metadata.namespace ?? 'default';
      const events = (await client.list<Event>('events', eventNs)).items
        .filter((e) => e.involvedObject.uid ? e.involvedObject.uid === obj.metadata.uid : e.involvedObject.name === obj.metadata.name && e.involvedObject.kind === obj.kind)
        .sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''));
      const related: DescribeRelated = {};
      const kind = obj.kind ?? t.resource.kind;
      if (kind === 'Service') {
        related.endpointSlices = (await client.list<EndpointSlice>('endpointslices', eventNs, { labelSelector: `kubernetes.io/service-name=${obj.metadata.name}` })).items;
      } else if (kind === 'Ingress') {
        related.services = (await client.list<Service>('services', eventNs)).items;
        related.endpointSlices = (await client.list<EndpointSlice>('endpointslices', eventNs)).items;
      } else if (kind === 'Node') {
        related.pods = (await client.list<Pod>('pods', undefined, { fieldSelector: `spec.nodeName=${obj.metadata.name}` })).items;
      } else if (kind === 'PersistentVolumeClaim') {
        // as kubectl: every pod of the namespace, of which the describer keeps those that mount the claim
        related.pods = (await client.list<Pod>('pods', eventNs)).items;
      } else if (kind === 'StatefulSet' || kind === 'ReplicaSet' || kind === 'DaemonSet') {
        related.pods = (await client.list<Pod>('pods', eventNs)).items.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid));
      } else if (kind === 'Deployment') {
        // as kubectl: the ReplicaSets its selector matches, of which the describer keeps those it controls
        const labelSelector = selectorString((obj as Deployment).spec?.selector);
        related.replicaSets = (await client.list<ReplicaSet>('replicasets', eventNs, { labelSelector })).items;
      } else if (kind === 'ServiceAccount') {
        // as kubectl: the namespace's Secrets, and a list that fails is no error (nothing is then marked not found)
        related.secrets = await client.list<Secret>('secrets', eventNs).then((l) => l.items, () => undefined);
      }
      out.push(describe({ ...obj, kind: obj.kind ?? t.resource.kind }, events, related));
    }
  }
  if (out.length > 0) {
    process.stdout.write(out.join('\n\n'));
    if (!out.at(-1)!.endsWith('\n')) process.stdout.write('\n');
  } else if (errors.length === 0) {
    // as kubectl: nothing matched is no error
    process.stderr.write(flags.allNamespaces ? 'No resources found\n' : `No resources found in ${flags.namespace ?? 'default'} namespace.\n`);
  }
  for (const err of errors) process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
  return errors.length > 0 ? 1 : 0;
}
