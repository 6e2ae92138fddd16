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

const POLL_MS = 100;

export function conditionMet(obj: KubeObject, condition: string, wanted = 'true'): boolean {
  const status = obj.status as { conditions?: { type: string; status: string }[] } | undefined;
  const c = status?.conditions?.find((x) => x.type.toLowerCase() === condition.toLowerCase());
  return !!c && c.status.toLowerCase() === wanted.toLowerCase();
}

/**
 * kubectl's `--for=jsonpath='{.status.phase}'=Running` (value optional: then
 * any non-empty value meets it). Only plain paths: fields and [N] indices.
 */
export interface JsonPathWait { path: (string | number)[]; wanted?: string }

export function parseJsonPathWait(spec: string): JsonPathWait {
  const m = /^(\{[^}]*\}|[^=]+)(?:=(.*))?$/.exec(spec);
  const expr = m?.[1]?.replace(/^\{(.*)\}$/, '$1').trim() ?? '';
  const path: (string | number)[] = [];
  const segment = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/y;
  let at = 0;
  while (at < expr.length) {
    segment.lastIndex = at;
    const s = segment.exec(expr);
    if (!s) throw new PodnetError('EUSAGE', `unrecognized jsonpath: "${spec}" (podnet supports fields and [N] indices, e.g. {.status.loadBalancer.ingress[0].ip})`);
    path.push(s[1] !== undefined ? s[1] : Number(s[2]));
    at = segment.lastIndex;
  }
  if (path.length === 0) throw new PodnetError('EUSAGE', `jsonpath must not be empty: "${spec}"`);
  return { path, ...(m?.[2] !== undefined ? { wanted: m[2] } : {}) };
}

export function jsonPathMet(obj: KubeObject, w: JsonPathWait): boolean {
  let v: unknown = obj;
  for (const key of w.path) {
    if (v === null || typeof v !== 'object') return false;
    v = (v as Record<string | number, unknown>)[key];
  }
  if (v === undefined || v === null) return false;
  if (w.wanted === undefined) {
    if (typeof v === 'object') return Object.keys(v).length > 0;
    return String(v) !== '';
  }
  if (typeof v === 'object') throw new PodnetError('EUSAGE', 'jsonpath wait has to be a single value, not a list or an object');
  return String(v) === w.wanted;
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
