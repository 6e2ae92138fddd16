// `podnet delete -f FILE` / `podnet delete KIND NAME… [-n NS] [--cascade=background|orphan|foreground] [--wait=false] [--timeout=D]`:
// prints `kind[.group] "name" deleted` per object and, as kubectl, waits until they are gone.

import type { PropagationPolicy } from '../../api/deletion.js';
import { parseGoBool } from '../../api/go-bool.js';
import { apiVersionOf, resourceForKind, type ResourceInfo } from '../../api/resources.js';
import { ApiError, PodnetError } from '../../errors.js';
import { parseDuration, type CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { loadManifests } from './apply.js';
import { parseTargets } from './get.js';
import { waitUntilGone, type Doomed } from './wait.js';
import { kindQualifier } from '../printers/resource-name.js';

/**
 * kubectl's --cascade (GetCascadingStrategy): the DeleteOptions propagationPolicy
 * every DELETE carries. The booleans are the deprecated spelling.
 */
export function cascadePolicy(flag: string | undefined, warn: (line: string) => void = (l) => process.stderr.write(l)): PropagationPolicy {
  switch (flag ?? 'background') {
    case 'background': return 'Background';
    case 'orphan': return 'Orphan';
    case 'foreground': return 'Foreground';
  }
  const bool = parseGoBool(flag!);
  if (bool === undefined) throw new PodnetError('EUSAGE', `invalid cascade value (${flag}). Must be "background", "foreground", or "orphan"`);
  const replacement = bool ? 'background' : 'orphan';
  warn(`warning: --cascade=${flag} is deprecated (boolean value) and can be replaced with --cascade=${replacement}.\n`);
  return bool ? 'Background' : 'Orphan';
}

interface Target extends Doomed { resource: ResourceInfo; source?: string }

/** How kubectl names a deleted object: `service "web"`, `deployment.apps "web"` (or kind/name with -o name). */
function deletedLine(item: Target, output: string | undefined): string {
  const qualified = kindQualifier(item.resource.kind, apiVersionOf(item.resource));
  return output === 'name' ? `${qualified}/${item.name}` : `${qualified} "${item.name}" deleted`;
}

export async function deleteCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const propagationPolicy = cascadePolicy(flags.cascade);
  const wait = flags.wait === undefined ? true : parseGoBool(flags.wait);
  if (wait === undefined) throw new PodnetError('EUSAGE', `invalid argument "${flags.wait}" for "--wait" flag: strconv.ParseBool: parsing "${flags.wait}": invalid syntax`);
  const client = ctx.client();
  const items: Target[] = [];
  let failed = 0;
  if (flags.filenames.length > 0) {
    const { docs, errors } = await loadManifests(flags.filenames);
    for (const e of errors) { process.stderr.write(`error: ${e}\n`); failed++; }
    for (const d of docs) {
      const r = resourceForKind(d.object.apiVersion, d.object.kind);
      if (!r) { process.stderr.write(`error: resource mapping not found for name: "${d.object.metadata?.name ?? ''}" namespace: "${d.object.metadata?.namespace ?? ''}" from "${d.source}": no matches for kind "${d.object.kind}" in version "${d.object.apiVersion}"\nensure CRDs are installed first\n`); failed++; continue; }
      // kubectl's REST client refuses a nameless object (generateName alone names nothing to delete)
      if (!d.object.metadata?.name) { process.stderr.write(`error: resource name may not be empty (a ${d.object.kind} in "${d.source}")\n`); failed++; continue; }
      const namespace = r.namespaced ? d.object.metadata.namespace ?? flags.namespace ?? 'default' : undefined;
      items.push({ plural: r.plural, namespace, name: d.object.metadata.name, resource: r, source: d.source });
    }
  } else {
    const targets = parseTargets(flags.positionals, 'delete');
    let selected = 0;
    for (const t of targets) {
      const namespace = t.resource.namespaced ? flags.namespace ?? 'default' : undefined;
      if (t.names.length === 0) {
        if (!flags.all && !flags.selector) throw new PodnetError('EUSAGE', 'resource(s) were provided, but no name was specified');
        // -A with --all or a selector: every namespace's, each deleted in its own, as kubectl
        const listed = await client.list(t.resource.plural, t.resource.namespaced && flags.allNamespaces ? undefined : namespace, flags.selector ? { labelSelector: flags.selector } : {});
        for (const o of listed.items) items.push({ plural: t.resource.plural, namespace: t.resource.namespaced ? o.metadata.namespace : undefined, name: o.metadata.name!, resource: t.resource });
        selected += listed.items.length;
        continue;
      }
      for (const name of t.names) items.push({ plural: t.resource.plural, namespace, name, resource: t.resource });
    }
    // kubectl: a selector or --all that matches nothing is no error
    if (items.length === 0 && selected === 0) { process.stdout.write('No resources found\n'); return 0; }
  }
  const deleted: Target[] = [];
  for (const item of items) {
    try {
      const answer = await client.delete(item.plural, item.namespace, item.name, { propagationPolicy, ...(flags.gracePeriod !== undefined ? { gracePeriodSeconds: flags.gracePeriod } : {}) });
      process.stdout.write(`${deletedLine(item, flags.output)}\n`);
      // a Status answer: already gone; an object: still there (finalizers, a grace period), wait on its uid
      if (answer.kind !== 'Status') deleted.push({ ...item, uid: answer.metadata?.uid });
    } catch (err) {
      failed++;
      if (!(err instanceof ApiError)) throw err;
      // kubectl names the file a document came from: error when deleting "FILE"
      const where = item.source ? `error when deleting "${item.source}": ` : '';
      process.stderr.write(`Error from server (${err.reason}): ${where}${err.message}\n`);
    }
  }
  if (wait) {
    // --timeout=0 (kubectl's default) is no limit
    const limitMs = flags.timeout === undefined ? 0 : parseDuration(flags.timeout);
    const deadline = limitMs > 0 ? Date.now() + limitMs : Infinity;
    for (const item of deleted) await waitUntilGone(client, item, deadline);
  }
  return failed > 0 ? 1 : 0;
}
