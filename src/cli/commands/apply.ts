// `podnet apply -f FILE|DIR|-`: create or update every document, reporting
// each as kubectl does; an invalid document is reported and skipped, the
// others still apply, and the exit code says whether all of them did.

import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/types.js';
import { resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import { LEAN_IN_FLIGHT } from '../../client/http-client.js';
import { ApiError, isApiError, PodnetError } from '../../errors.js';
import { collectManifestFiles, LazyManifest } from '../manifest.js';
import { kindSlashName } from '../printers/output.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/**
 * Requests in flight: as many as the lean pool pipelines (256, 128 on each of
 * its two connections). Deep enough that the API server takes a few hundred
 * writes per read and commits them as one group, and the watchers get them
 * in bursts: in the bench's 2,000-object apply (alternating runs) 16 in
 * flight took 2.9-3.0 s until every EndpointSlice, 64 2.2-2.5 s, 256 2.0-2.1
 * s, 512 no faster; the daemon spent 2.1 → 1.5 s of CPU and the node agents
 * 0.95 → 0.5 s.
 */
const CONCURRENCY = LEAN_IN_FLIGHT;
/**
 * Documents parsed at a time while requests are in flight: parsing one per
 * request costs the CLI ~25% more CPU than parsing all up front (measured on
 * 2,001 documents), batches of 50 cost ~5% more. The first requests go out
 * once the first CONCURRENCY documents are parsed (~50 ms for 256 here)
 * rather than after the whole file; starting with fewer workers to send
 * earlier was measured and made no difference to the whole apply.
 */
const PARSE_BATCH = 50;

export interface ManifestDoc { object: KubeObject; source: string }

/** Every file `-f` names, read now (a missing path fails before any request), parsed lazily. */
export function openManifests(filenames: string[]): LazyManifest[] {
  if (filenames.length === 0) throw new PodnetError('EUSAGE', 'must specify one of -f and -k');
  const manifests: LazyManifest[] = [];
  for (const name of filenames) {
    for (const file of collectManifestFiles(name)) {
      const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      manifests.push(new LazyManifest(text, file === '-' ? 'STDIN' : file));
    }
  }
  return manifests;
}

export async function loadManifests(filenames: string[]): Promise<{ docs: ManifestDoc[]; errors: string[] }> {
  const docs: ManifestDoc[] = [];
  const errors: string[] = [];
  for (const m of openManifests(filenames)) {
    for (let i = 0; i < m.length; i++) for (const d of m.read(i)) docs.push({ object: d.object, source: m.source });
    errors.push(...m.errors());
  }
  return { docs, errors };
}

function errorLine(err: unknown, verb: string, source: string): string {
  if (err instanceof ApiError) return `Error from server (${err.reason}): error when ${verb} "${source}": ${err.message}`;
  return `error: error when ${verb} "${source}": ${(err as Error).message}`;
}

export async function applyOne(client: Client, doc: ManifestDoc, defaultNamespace: string): Promise<string> {
  // last-applied is the manifest as written, before the namespace is filled in
  const applied = JSON.stringify(doc.object);
  // only metadata changes below: a shallow copy keeps doc.object as written
  const obj: KubeObject = { ...doc.object, metadata: { ...doc.object.metadata } };
  const resource: ResourceInfo | undefined = resourceForKind(obj.apiVersion, obj.kind);
  if (!resource) {
    throw new PodnetError('ENOMATCH', `error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${doc.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`);
  }
  if (resource.namespaced) obj.metadata.namespace ??= defaultNamespace;
  else delete obj.metadata.namespace;
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED]: applied };
  const name = obj.metadata.name ?? '';
  // Create first: a new object then costs one request, an existing one three.
  // (A Service that exists may fail creation on its clusterIP before its name,
  // so any create failure looks again before it is reported.)
  let createError: unknown;
  try {
    await client.create(obj);
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

/** Runs fn over items (taken from the iterable as workers free up) with bounded concurrency, results in input order. */
export async function mapConcurrent<T, R>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  const it = items[Symbol.iterator]();
  let next = 0;
  let exhausted = false;
  const worker = async () => {
    while (!exhausted) {
      const item = it.next();
      if (item.done) { exhausted = true; return; }
      const i = next++;
      try { results[i] = { status: 'fulfilled', value: await fn(item.value) }; } catch (reason) { results[i] = { status: 'rejected', reason }; }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/**
 * Applies every document; `applied` holds kubectl's `kind/name
 * created|configured|unchanged` lines in order: Namespaces first (so that
 * objects in them can be created in the same run), then every other object in
 * manifest order. Only the documents that may hold a Namespace are parsed
 * before the first request; the rest are parsed as requests go out, so the
 * API server works while the CLI still parses.
 */
export async function applyManifests(ctx: Context, filenames: string[], namespace = 'default'): Promise<{ applied: string[]; errors: string[] }> {
  const manifests = openManifests(filenames);
  const client = ctx.client();
  const applied: string[] = [];
  const failures: string[] = [];
  const run = async (docs: Iterable<ManifestDoc>) => {
    for (const r of await mapConcurrent(docs, CONCURRENCY, (d) => applyOne(client, d, namespace))) {
      if (r.status === 'fulfilled') applied.push(r.value);
      else failures.push((r.reason as Error).message);
    }
  };
  const namespaces: ManifestDoc[] = [];
  for (const m of manifests) {
    for (let i = 0; i < m.length; i++) {
      if (!m.mayHoldNamespace(i)) continue;
      for (const d of m.read(i)) if (d.object.kind === 'Namespace') namespaces.push({ object: d.object, source: m.source });
    }
  }
  await run(namespaces);
  // (a Namespace in a document mayHoldNamespace ruled out, which takes a
  // contrived text, is applied in manifest order with the rest)
  const taken = new Set(namespaces.map((d) => d.object));
  await run((function* rest() {
    for (const m of manifests) {
      for (let i = 0; i < m.length; i += PARSE_BATCH) {
        const batch: ManifestDoc[] = [];
        for (let k = i; k < Math.min(i + PARSE_BATCH, m.length); k++) {
          for (const d of m.read(k)) if (!taken.has(d.object)) batch.push({ object: d.object, source: m.source });
        }
        yield* batch;
      }
    }
  })());
  // parse errors first, as when every document was parsed before the first request
  return { applied, errors: [...manifests.flatMap((m) => m.errors()), ...failures] };
}

export async function applyCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const { applied, errors } = await applyManifests(ctx, flags.filenames, flags.namespace);
  for (const line of applied) process.stdout.write(`${line}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}
