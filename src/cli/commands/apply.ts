// `podnet apply -f FILE|DIR|-`: create or update every document, reporting
// each as kubectl does; an invalid document is reported and skipped, the
// others still apply, and the exit code says whether all of them did.

import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/types.js';
import { resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import { ApiError, isApiError, PodnetError } from '../../errors.js';
import { collectManifestFiles, readManifests } from '../manifest.js';
import { kindSlashName } from '../printers/output.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CONCURRENCY = 16;

export interface ManifestDoc { object: KubeObject; source: string }

export async function loadManifests(filenames: string[]): Promise<{ docs: ManifestDoc[]; errors: string[] }> {
  if (filenames.length === 0) throw new PodnetError('EUSAGE', 'must specify one of -f and -k');
  const docs: ManifestDoc[] = [];
  const errors: string[] = [];
  for (const name of filenames) {
    for (const file of collectManifestFiles(name)) {
      const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      const source = file === '-' ? 'STDIN' : file;
      const parsed = readManifests(text, source);
      errors.push(...parsed.errors);
      for (const d of parsed.docs) docs.push({ object: d.object, source });
    }
  }
  return { docs, errors };
}

function errorLine(err: unknown, verb: string, source: string): string {
  if (err instanceof ApiError) return `Error from server (${err.reason}): error when ${verb} "${source}": ${err.message}`;
  return `error: error when ${verb} "${source}": ${(err as Error).message}`;
}

export async function applyOne(client: Client, doc: ManifestDoc, defaultNamespace: string): Promise<string> {
  const obj = structuredClone(doc.object);
  const resource: ResourceInfo | undefined = resourceForKind(obj.apiVersion, obj.kind);
  if (!resource) {
    throw new PodnetError('ENOMATCH', `error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${doc.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`);
  }
  obj.metadata ??= {};
  if (resource.namespaced) obj.metadata.namespace ??= defaultNamespace;
  else delete obj.metadata.namespace;
  const applied = JSON.stringify(doc.object);
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED]: applied };
  const name = obj.metadata.name ?? '';
  // Create first: a new object then costs one request, an existing one three.
  // (A Service that exists may fail creation on its clusterIP before its name,
  // so any create failure looks again before it is reported.)
  let createError: unknown;
  try {
    await client.create(structuredClone(obj));
    return `${kindSlashName(obj)} created`;
  } catch (err) { createError = err; }
  let existing: KubeObject | undefined;
  try {
    existing = await client.get(resource.plural, obj.metadata.namespace, name);
  } catch (err) {
    if (isApiError(err, 'NotFound')) throw new PodnetError('EAPPLY', errorLine(createError, 'creating', doc.source));
    throw new PodnetError('EAPPLY', errorLine(err, 'retrieving current configuration of', doc.source));
  }
  if (existing.metadata.annotations?.[LAST_APPLIED] === applied) return `${kindSlashName(obj)} unchanged`;
  // The manifest is the whole desired object; what the server owns (status,
  // allocations such as clusterIP and nodePort) it carries over itself.
  obj.metadata.resourceVersion = existing.metadata.resourceVersion!;
  obj.metadata.labels ??= {};
  try { await client.update(obj); } catch (err) { throw new PodnetError('EAPPLY', errorLine(err, 'applying patch to', doc.source)); }
  return `${kindSlashName(obj)} configured`;
}

/** Runs fn over items with bounded concurrency, results in input order. */
export async function mapConcurrent<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try { results[i] = { status: 'fulfilled', value: await fn(items[i]!) }; } catch (reason) { results[i] = { status: 'rejected', reason }; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Applies every document; `applied` holds kubectl's `kind/name created|configured|unchanged` lines in order. */
export async function applyManifests(ctx: Context, filenames: string[], namespace = 'default'): Promise<{ applied: string[]; errors: string[] }> {
  const { docs, errors } = await loadManifests(filenames);
  const client = ctx.client();
  const applied: string[] = [];
  // Namespaces first so that objects in them can be created in the same run.
  const first = docs.filter((d) => d.object.kind === 'Namespace');
  const rest = docs.filter((d) => d.object.kind !== 'Namespace');
  for (const batch of [first, rest]) {
    for (const r of await mapConcurrent(batch, CONCURRENCY, (d) => applyOne(client, d, namespace))) {
      if (r.status === 'fulfilled') applied.push(r.value);
      else errors.push((r.reason as Error).message);
    }
  }
  return { applied, errors };
}

export async function applyCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const { applied, errors } = await applyManifests(ctx, flags.filenames, flags.namespace);
  for (const line of applied) process.stdout.write(`${line}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}
