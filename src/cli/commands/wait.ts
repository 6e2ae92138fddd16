// `podnet wait --for=condition=Ready KIND [NAME|-l SEL|--all] [--timeout=60s]`,
// `--for=delete` and `--for=jsonpath='{.status.phase}'=Running`, as kubectl
// wait: prints `kind/name condition met`.

import type { KubeObject } from '../../api/types.js';
import { apiVersionOf } from '../../api/resources.js';
import { isApiError, PodnetError } from '../../errors.js';
import { kindSlashName } from '../printers/output.js';
import { parseDuration, type CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { parseTargets } from './get.js';
import type { Client } from '../../client/client.js';
import { findResults, goText, parseJsonPath, relaxedJsonPathExpression, type JsonPathTemplate } from '../printers/jsonpath.js';

const POLL_MS = 100;

export function conditionMet(obj: KubeObject, condition: string, wanted = 'true'): boolean {
  const status = obj.status as { conditions?: { type: string; status: string }[] } | undefined;
  const c = status?.conditions?.find((x) => x.type.toLowerCase() === condition.toLowerCase());
  return !!c && c.status.toLowerCase() === wanted.toLowerCase();
}

/**
 * kubectl's `--for=jsonpath='{.status.phase}'=Running`, with kubectl's
 * JSONPath engine (filters and all). The value is optional: without it any
 * value that is there and not empty meets the wait.
 */
export interface JsonPathWait { template: JsonPathTemplate; wanted?: string }

const JSONPATH_WAIT_FORMAT = "--for=jsonpath='{.status.readyReplicas}'=3";

/**
 * Splits at each single `=`; a `==` stays in its part, so a filter's
 * comparison is not taken for the value (kubectl's splitJSONPathInput).
 */
function splitAtSingleEquals(spec: string): string[] {
  const parts = [''];
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] !== '=') parts[parts.length - 1] += spec[i];
    else if (spec[i + 1] === '=') { parts[parts.length - 1] += '=='; i++; } else parts.push('');
  }
  return parts;
}

export function parseJsonPathWait(spec: string): JsonPathWait {
  const parts = splitAtSingleEquals(spec);
  if (parts.length > 2) throw new PodnetError('EUSAGE', `jsonpath wait format must be ${JSONPATH_WAIT_FORMAT} or --for=jsonpath='{.status.readyReplicas}'`);
  const expression = relaxedJsonPathExpression(parts[0]!);
  let wanted: string | undefined;
  if (parts.length === 2) {
    wanted = parts[1]!.replace(/^['"]+|['"]+$/g, '');
    if (wanted === '') throw new PodnetError('EUSAGE', `jsonpath wait has to have a value after equal sign, like ${JSONPATH_WAIT_FORMAT}`);
  }
  if (expression === '') throw new PodnetError('EUSAGE', 'jsonpath expression cannot be empty');
  return { template: parseJsonPath(expression), ...(wanted !== undefined ? { wanted } : {}) };
}

/** kubectl's JSONPathWait check: exactly one value (none: not yet), compared as Go prints it, spaces trimmed. */
export function jsonPathMet(obj: KubeObject, w: JsonPathWait): boolean {
  const results = findResults(w.template, obj, { allowMissingKeys: true });
  if (results.length === 0 || results[0]!.length === 0) return false;
  if (results.length > 1) throw new PodnetError('EUSAGE', 'given jsonpath expression matches more than one list');
  if (results[0]!.length > 1) throw new PodnetError('EUSAGE', 'given jsonpath expression matches more than one value');
  const value = results[0]![0];
  const nested = typeof value === 'object' && value !== null;
  // kubectl takes any value here, even null or {}; podnet waits for one with something in it
  if (w.wanted === undefined) return nested ? Object.keys(value).length > 0 : value !== null && goText(value) !== '';
  if (nested) throw new PodnetError('EUSAGE', 'jsonpath leads to a nested object or list which is not supported: the wait compares a single value');
  return goText(value).trim() === w.wanted.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timedOut = (plural: string, name: string) => new PodnetError('ETIMEOUT', `timed out waiting for the condition on ${plural}/${name}`);

export interface Doomed { plural: string; namespace: string | undefined; name: string; uid?: string }

/**
 * Until the object is gone: not found, or replaced by another of the same
 * name (a StatefulSet's web-0 comes back), as kubectl waits on the uid it
 * saw; without one, the uid of the object found first. deadline: epoch ms.
 * False when the object was gone at the first look and no uid was given
 * (nothing was there to wait for).
 */
export async function waitUntilGone(client: Client, item: Doomed, deadline: number): Promise<boolean> {
  let uid = item.uid;
  for (let seen = false; ; seen = true) {
    let obj: KubeObject;
    try { obj = await client.get(item.plural, item.namespace, item.name); } catch (err) {
      if (isApiError(err, 'NotFound')) return seen || item.uid !== undefined;
      throw err;
    }
    uid ??= obj.metadata.uid;
    if (obj.metadata.uid !== uid) return true;
    if (Date.now() > deadline) throw timedOut(item.plural, item.name);
    await sleep(POLL_MS);
  }
}

export async function waitCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  if (!flags.for) throw new PodnetError('EUSAGE', '--for must be set');
  const timeoutMs = parseDuration(flags.timeout ?? '30s');
  const forDelete = flags.for === 'delete';
  const m = /^condition=([^=]+)(?:=(.+))?$/.exec(flags.for);
  const jsonPath = flags.for.startsWith('jsonpath=') ? parseJsonPathWait(flags.for.slice('jsonpath='.length)) : undefined;
  if (!forDelete && !m && !jsonPath) throw new PodnetError('EUSAGE', `unrecognized condition: "${flags.for}"`);
  const [, condition, wanted] = m ?? [];
  const met = (obj: KubeObject) => (jsonPath ? jsonPathMet(obj, jsonPath) : conditionMet(obj, condition!, wanted));
  const targets = parseTargets(flags.positionals, 'wait');
  const client = ctx.client();
  const deadline = Date.now() + timeoutMs;
  for (const t of targets) {
    const namespace = t.resource.namespaced ? flags.namespace ?? 'default' : undefined;
    if (t.names.length === 0 && !flags.all && !flags.selector) throw new PodnetError('EUSAGE', 'resource(s) were provided, but no name was specified');
    const pending = new Map<string, KubeObject | undefined>();
    if (t.names.length > 0) for (const n of t.names) pending.set(n, undefined);
    else {
      const items = (await client.list(t.resource.plural, namespace, flags.selector ? { labelSelector: flags.selector } : {})).items;
      // as kubectl: nothing to wait for is an error, except for --for=delete
      if (items.length === 0 && !forDelete) throw new PodnetError('ENOTFOUND', 'no matching resources found');
      for (const o of items) pending.set(o.metadata.name!, o);
    }
    for (const [name, listed] of pending) {
      const label = kindSlashName({ apiVersion: apiVersionOf(t.resource), kind: t.resource.kind, metadata: { name } });
      if (forDelete) {
        // as kubectl, which ignores NotFound here: an object that is already gone is not reported
        if (await waitUntilGone(client, { plural: t.resource.plural, namespace, name, uid: listed?.metadata.uid }, deadline)) process.stdout.write(`${label} condition met\n`);
        continue;
      }
      // as kubectl: a named object that does not exist is an error at once, not a wait until the timeout
      for (let first = true; ; first = false) {
        let obj: KubeObject | undefined;
        try { obj = await client.get(t.resource.plural, namespace, name); } catch (err) {
          if (!isApiError(err, 'NotFound') || first) throw err;
        }
        if (obj && met(obj)) { process.stdout.write(`${label} condition met\n`); break; }
        if (Date.now() > deadline) throw timedOut(t.resource.plural, name);
        await sleep(POLL_MS);
      }
    }
  }
  return 0;
}
