// `podnet delete -f FILE` / `podnet delete KIND NAME… [-n NS] [--cascade=background|orphan|foreground]`

import { parseGoBool, type PropagationPolicy } from '../../api/deletion.js';
import { resourceForKind } from '../../api/resources.js';
import { ApiError, isApiError, PodnetError } from '../../errors.js';
import { kindSlashName } from '../printers/output.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { loadManifests } from './apply.js';
import { parseTargets } from './get.js';

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

export async function deleteCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const propagationPolicy = cascadePolicy(flags.cascade);
  const client = ctx.client();
  const items: { plural: string; namespace: string | undefined; name: string; label: string }[] = [];
  let failed = 0;
  if (flags.filenames.length > 0) {
    const { docs, errors } = await loadManifests(flags.filenames);
    for (const e of errors) { process.stderr.write(`${e}\n`); failed++; }
    for (const d of docs) {
      const r = resourceForKind(d.object.apiVersion, d.object.kind);
      if (!r) { process.stderr.write(`error: no matches for kind "${d.object.kind}" in version "${d.object.apiVersion}"\n`); failed++; continue; }
      const namespace = r.namespaced ? d.object.metadata.namespace ?? flags.namespace ?? 'default' : undefined;
      items.push({ plural: r.plural, namespace, name: d.object.metadata.name!, label: kindSlashName(d.object) });
    }
  } else {
    const targets = parseTargets(flags.positionals);
    for (const t of targets) {
      const namespace = t.resource.namespaced ? flags.namespace ?? 'default' : undefined;
      let names = t.names;
      if (names.length === 0) {
        if (!flags.all && !flags.selector) throw new PodnetError('EUSAGE', 'resource(s) were provided, but no name was specified');
        const list = await client.list(t.resource.plural, namespace, flags.selector ? { labelSelector: flags.selector } : {});
        names = list.items.map((o) => o.metadata.name!);
      }
      for (const name of names) items.push({ plural: t.resource.plural, namespace, name, label: kindSlashName({ apiVersion: t.resource.group ? `${t.resource.group}/${t.resource.version}` : t.resource.version, kind: t.resource.kind, metadata: { name } }) });
    }
  }
  for (const item of items) {
    try {
      await client.delete(item.plural, item.namespace, item.name, { propagationPolicy, ...(flags.gracePeriod !== undefined ? { gracePeriodSeconds: flags.gracePeriod } : {}) });
      process.stdout.write(`${item.label} deleted\n`);
    } catch (err) {
      failed++;
      if (isApiError(err, 'NotFound') && flags.filenames.length > 0) process.stderr.write(`Error from server (NotFound): error when deleting "${item.label}": ${(err as ApiError).message}\n`);
      else if (err instanceof ApiError) process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
      else throw err;
    }
  }
  return failed > 0 ? 1 : 0;
}
