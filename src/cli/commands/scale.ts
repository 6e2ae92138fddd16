// `podnet scale --replicas=N KIND/NAME… | KIND NAME… [-n NS]`, as kubectl
// scale: a merge patch of each object's scale subresource, then
// `deployment.apps/web scaled`. Deployments, ReplicaSets and StatefulSets have one.

import { apiVersionOf } from '../../api/resources.js';
import { isApiError, PodnetError } from '../../errors.js';
import { kindSlashName } from '../printers/resource-name.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { parseTargets } from './get.js';

export async function scaleCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  if (flags.replicas === undefined) throw new PodnetError('EUSAGE', 'required flag(s) "replicas" not set');
  const replicas = Number(flags.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new PodnetError('EUSAGE', 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const targets = parseTargets(flags.positionals, 'scale');
  const client = ctx.client();
  let failed = 0;
  for (const t of targets) {
    if (t.names.length === 0) throw new PodnetError('EUSAGE', 'resource(s) were provided, but no name was specified');
    const namespace = t.resource.namespaced ? flags.namespace ?? 'default' : undefined;
    for (const name of t.names) {
      try {
        await client.patch(t.resource.plural, namespace, name, { spec: { replicas } }, { subresource: 'scale' });
        process.stdout.write(`${kindSlashName({ apiVersion: apiVersionOf(t.resource), kind: t.resource.kind, metadata: { name } })} scaled\n`);
      } catch (err) {
        if (!isApiError(err)) throw err;
        failed++;
        process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
      }
    }
  }
  return failed > 0 ? 1 : 0;
}
