// `podnet apply -f FILE|DIR|-`: create or update every document, reporting
// each as kubectl does; an invalid document is reported and skipped, the
// others still apply, and the exit code says whether all of them did.

import { readFileSync } from 'node:fs';
import { parseGoBool } from '../../api/go-bool.js';
import type { FieldValidation } from '../../api/known-fields.js';
import { stableJson } from '../../api/stable-json.js';
import type { KubeObject } from '../../api/types.js';
import { resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import { LEAN_IN_FLIGHT } from '../../client/http-client.js';
import { ApiError, isApiError, PodnetError } from '../../errors.js';
import { collectManifestFiles, LazyManifest } from '../manifest.js';
import { isEmptyPatch, threeWayMergePatch, type JsonObject } from '../three-way-merge.js';
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

/** A document that failed: its line as kubectl prints it among several, and the API's error (for the single-failure form). */
function applyFailure(err: unknown, verb: string, source: string): PodnetError {
  return new PodnetError('EAPPLY', errorLine(err, verb, source), { cause: err });
}

/**
 * The namespace a namespaced object goes to: its own, else -n's, else
 * "default". An object that names another namespace than an explicit -n is
 * refused, in kubectl's words.
 */
function targetNamespace(obj: KubeObject, namespaceFlag: string | undefined): string {
  const own = obj.metadata.namespace;
  if (own && namespaceFlag && own !== namespaceFlag) {
    throw new PodnetError('EAPPLY', `error: the namespace from the provided object "${own}" does not match the namespace "${namespaceFlag}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own ?? namespaceFlag ?? 'default';
}

/**
 * apply finds the live object by name, so a document without one is refused
 * before anything is sent, in kubectl's words (apply.go applyOneObject):
 * generateName would make a new object on every apply, and an empty name is
 * the Get that the REST client refuses ("resource name may not be empty"),
 * reported with the Info it was for (cli-runtime resource.Info.String).
 */
function requireName(obj: KubeObject, resource: ResourceInfo, source: string): void {
  if (obj.metadata.name) return;
  const generateName = obj.metadata.generateName;
  if (generateName) throw new PodnetError('EAPPLY', `error: from ${generateName}: cannot use generate name with apply`);
  const version = obj.apiVersion.split('/').pop()!;
  const info = `Resource: "${resource.group}/${version}, Resource=${resource.plural}", GroupVersionKind: "${resource.group}/${version}, Kind=${obj.kind}"\n`
    + `Name: "", Namespace: "${obj.metadata.namespace ?? ''}"`;
  throw new PodnetError('EAPPLY', `error: error when retrieving current configuration of:\n${info}\nfrom server for: "${source}": resource name may not be empty`);
}

function lastApplied(obj: KubeObject): JsonObject | undefined {
  const text = obj.metadata.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  try { return JSON.parse(text) as JsonObject; } catch { return undefined; }
}

/**
 * Creates the object, or patches the live one as kubectl apply does (a
 * three-way merge of the last applied manifest, this one and the live
 * object, src/cli/three-way-merge.ts); namespaceFlag is -n when given.
 */
/** kubectl's --dry-run: none (the default), client (nothing sent but reads), server (the API's dryRun=All) */
export type DryRun = 'none' | 'client' | 'server';

/** kubectl's GetDryRunStrategy; a bare --dry-run is the deprecated form of client */
export function parseDryRun(value: string | undefined): DryRun {
  if (value === undefined || value === 'none') return 'none';
  if (value === '' || value === 'client' || value === 'true' || value === 'unchanged') return 'client';
  if (value === 'server') return 'server';
  if (value === 'false') return 'none';
  throw new PodnetError('EUSAGE', `Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
}

/** kubectl's GetValidationDirective (default strict, as kubectl since 1.27): a Go boolean (strconv.ParseBool), else exactly strict, warn or ignore */
export function parseValidate(value = 'strict'): FieldValidation {
  const bool = parseGoBool(value);
  if (bool !== undefined) return bool ? 'Strict' : 'Ignore';
  switch (value) {
    case 'strict': return 'Strict';
    case 'warn': return 'Warn';
    case 'ignore': return 'Ignore';
    default: throw new PodnetError('EUSAGE', `invalid - validate option ${JSON.stringify(value)}; must be one of: strict (or true), warn, ignore (or false)`);
  }
}

const DRY_RUN_SUFFIX: Record<DryRun, string> = { none: '', client: ' (dry run)', server: ' (server dry run)' };

export async function applyOne(client: Client, doc: ManifestDoc, namespaceFlag?: string, dryRun: DryRun = 'none', fieldValidation: FieldValidation = 'Strict'): Promise<string> {
  // only metadata changes below: a shallow copy keeps doc.object as written
  const obj: KubeObject = { ...doc.object, metadata: { ...doc.object.metadata } };
  const line = (what: string) => `${kindSlashName(obj)} ${what}${DRY_RUN_SUFFIX[dryRun]}`;
  const server = { dryRun: dryRun === 'server', fieldValidation };
  const resource: ResourceInfo | undefined = resourceForKind(obj.apiVersion, obj.kind);
  if (!resource) {
    throw new PodnetError('ENOMATCH', `error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${doc.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`);
  }
  if (resource.namespaced) obj.metadata.namespace = targetNamespace(obj, namespaceFlag);
  else delete obj.metadata.namespace;
  requireName(obj, resource, doc.source);
  // kubectl's GetModifiedConfiguration: the object as applied (namespace
  // filled in, without the annotation itself, `annotations: {}` when that was
  // all), encoded as Go encodes a map (sorted keys) with its trailing newline
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  obj.metadata.annotations = annotations;
  const applied = `${stableJson(obj)}\n`;
  obj.metadata.annotations = { ...annotations, [LAST_APPLIED]: applied };
  const name = obj.metadata.name ?? '';
  // Create first: a new object then costs one request, an existing one two or three.
  // (A Service that exists may fail creation on its clusterIP before its name,
  // so any create failure looks again before it is reported.)
  let createError: unknown;
  if (dryRun !== 'client') {
    try {
      await client.create(obj, server);
      return line('created');
    } catch (err) { createError = err; }
  }
  let existing: KubeObject | undefined;
  try {
    existing = await client.get(resource.plural, obj.metadata.namespace, name);
  } catch (err) {
    // client dry run: nothing was sent, so what is not there would be created
    if (isApiError(err, 'NotFound') && dryRun === 'client') return line('created');
    if (isApiError(err, 'NotFound')) throw applyFailure(createError, 'creating', doc.source);
    throw applyFailure(err, 'retrieving current configuration of', doc.source);
  }
  const original = lastApplied(existing);
  if (!original && dryRun === 'none') {
    // kubectl's warning: without the last manifest nothing can be removed, only set
    const what = `${resource.group ? `${resource.plural}.${resource.group}` : resource.plural}/${name}`;
    process.stderr.write(`Warning: resource ${what} is missing the ${LAST_APPLIED} annotation which is required by podnet apply. podnet apply should only be used on resources created declaratively by podnet apply. The missing annotation will be patched automatically.\n`);
  }
  const patch = threeWayMergePatch(original, obj as unknown as JsonObject, existing as unknown as JsonObject);
  if (isEmptyPatch(patch)) return line('unchanged');
  if (dryRun === 'client') return line('configured');
  try {
    await client.patch(resource.plural, obj.metadata.namespace, name, patch, server);
  } catch (err) { throw applyFailure(err, 'applying patch to', doc.source); }
  return line('configured');
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
 * What other objects need at admission, applied before them: kubectl applies
 * a file's documents one by one in order, podnet CONCURRENCY at a time, so a
 * Pod could otherwise reach the API server before the Namespace it is in or
 * the ServiceAccount it runs as, listed above it.
 */
const FIRST_PASS_KINDS: ReadonlySet<string> = new Set(['Namespace', 'ServiceAccount']);

/**
 * Applies every document; `applied` holds kubectl's `kind/name
 * created|configured|unchanged` lines in order: Namespaces, then
 * ServiceAccounts, first (so that objects in them, and pods running as them,
 * can be created in the same run), then every other object in manifest order. Only the documents that may hold a Namespace are parsed
 * before the first request; the rest are parsed as requests go out, so the
 * API server works while the CLI still parses.
 */
export async function applyManifests(ctx: Context, filenames: string[], namespaceFlag?: string, dryRun: DryRun = 'none', fieldValidation: FieldValidation = 'Strict'): Promise<{ applied: string[]; errors: string[] }> {
  const manifests = openManifests(filenames);
  const client = ctx.client();
  const applied: string[] = [];
  const failures: Error[] = [];
  const run = async (docs: Iterable<ManifestDoc>) => {
    for (const r of await mapConcurrent(docs, CONCURRENCY, (d) => applyOne(client, d, namespaceFlag, dryRun, fieldValidation))) {
      if (r.status === 'fulfilled') applied.push(r.value);
      else failures.push(r.reason as Error);
    }
  };
  const first: ManifestDoc[] = [];
  for (const m of manifests) {
    for (let i = 0; i < m.length; i++) {
      if (!m.mayHoldKind(i, FIRST_PASS_KINDS)) continue;
      for (const d of m.read(i)) if (FIRST_PASS_KINDS.has(d.object.kind)) first.push({ object: d.object, source: m.source });
    }
  }
  // Namespaces before the ServiceAccounts in them
  await run(first.filter((d) => d.object.kind === 'Namespace'));
  await run(first.filter((d) => d.object.kind !== 'Namespace'));
  // (such an object in a document mayHoldKind ruled out, which takes a
  // contrived text, is applied in manifest order with the rest)
  const taken = new Set(first.map((d) => d.object));
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
  // printed as kubectl's CheckErr prints what is not an API error
  const parseErrors = manifests.flatMap((m) => m.errors()).map((e) => `error: ${e}`);
  // A daemon that stopped fails every document after it alike: one line,
  // last, says so. What was applied before it stopped keeps its lines
  // (kubectl prints each as it goes), so a crash after hundreds of objects
  // does not read as if none had been created.
  // The connections that carried requests when it stopped break too (their
  // errors are neither the API's nor podnet's): once the daemon is known to
  // be gone, those failures are its stop as well.
  const stoppedBy = (f: Error) => { const e = f.cause ?? f; return e instanceof PodnetError && e.code === 'ENOCLUSTER' ? e : undefined; };
  const brokeConnection = (f: Error) => { const e = f.cause ?? f; return !(e instanceof ApiError) && !(e instanceof PodnetError); };
  let stopped = failures.map(stoppedBy).find((e) => e !== undefined);
  if (!stopped && failures.some(brokeConnection)) stopped = await ctx.ready().then(() => undefined, stoppedBy);
  const isStop = (f: Error) => stoppedBy(f) !== undefined || (stopped !== undefined && brokeConnection(f));
  const invalid = failures.length === 1 && parseErrors.length === 0 ? (failures[0]!.cause ?? failures[0]) : undefined;
  if (isApiError(invalid, 'Invalid')) return { applied, errors: [invalidMessage(invalid)] };
  const errors = [...parseErrors, ...failures.filter((f) => !isStop(f)).map((f) => f.message), ...(stopped ? [`error: ${stopped.message}`] : [])];
  // kubectl's CheckErr: one error gets "error: ", several are printed as
  // they are (MultipleErrors), the API's "Error from server (…)" ones alike
  return { applied, errors: errors.length > 1 ? errors.map((e) => e.replace(/^error: /, '')) : errors };
}

/**
 * kubectl's words when the only failure is an invalid object: the kind
 * without its group, then the causes, one per line when there are several
 * (k8s.io/kubectl cmd/util checkErr and MultilineError). With more than one
 * failure each keeps its own "Error from server (Invalid): error when
 * creating …" line.
 */
function invalidMessage(err: ApiError): string {
  const details = err.status.details;
  const causes = (details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  // a refusal that names no object (a strict patch's) is "The request is invalid", as kubectl words it
  const head = details?.kind || details?.name ? `The ${details.kind ?? ''} "${details.name ?? ''}" is invalid` : 'The request is invalid';
  if (causes.length === 0) return head;
  if (causes.length === 1) return `${head}: ${causes[0]}`;
  return `${head}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}

export async function applyCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const { applied, errors } = await applyManifests(ctx, flags.filenames, flags.namespace, parseDryRun(flags.dryRun), parseValidate(flags.validate));
  for (const line of applied) process.stdout.write(`${line}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}
