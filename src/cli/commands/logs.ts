// `podnet logs [-n NS] POD [-c CONTAINER] [--follow]`

import { createReadStream, existsSync, statSync, watchFile, unwatchFile } from 'node:fs';
import type { Pod } from '../../api/types.js';
import { PodnetError } from '../../errors.js';
import { podFiles } from '../../agent/pod-files.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

export async function resolvePod(ctx: Context, namespace: string, ref: string): Promise<Pod> {
  const name = ref.startsWith('pod/') || ref.startsWith('pods/') ? ref.slice(ref.indexOf('/') + 1) : ref;
  return ctx.client().get<Pod>('pods', namespace, name);
}

export function pickContainer(pod: Pod, wanted?: string): string {
  const names = pod.spec.containers.map((c) => c.name);
  if (wanted) {
    if (!names.includes(wanted)) throw new PodnetError('ENOTFOUND', `container ${wanted} is not valid for pod ${pod.metadata.name}`);
    return wanted;
  }
  return names[0]!;
}

export async function logsCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const ref = flags.positionals[0];
  if (!ref) throw new PodnetError('EUSAGE', 'expected POD');
  const namespace = flags.namespace ?? 'default';
  const pod = await resolvePod(ctx, namespace, ref);
  const container = pickContainer(pod, flags.container ?? flags.positionals[1]);
  const file = podFiles(ctx.paths.pods, pod.metadata.uid!).log(container);
  if (!existsSync(file)) throw new PodnetError('ENOLOGS', `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${pod.status?.containerStatuses?.find((c) => c.name === container)?.state?.waiting?.reason ?? 'ContainerCreating'}`);
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).on('end', resolve).pipe(process.stdout, { end: false });
  });
  if (!flags.follow) return 0;
  let offset = statSync(file).size;
  watchFile(file, { interval: 200 }, (cur) => {
    if (cur.size <= offset) return;
    createReadStream(file, { start: offset, end: cur.size - 1 }).pipe(process.stdout, { end: false });
    offset = cur.size;
  });
  await new Promise<void>((resolve) => process.on('SIGINT', () => { unwatchFile(file); resolve(); }));
  return 0;
}
