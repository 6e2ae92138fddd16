// JSON Patch (RFC 6902) for `PATCH` with application/json-patch+json, as
// `kubectl patch --type=json` sends. Operations apply in order to a copy; any
// failure rejects the whole patch (RFC 6902 section 5).

import { jsonClone } from '../api/json-clone.js';

interface Operation { op: string; path: string; from?: string; value?: unknown }

export class JsonPatchError extends Error {}

/** RFC 6901 pointer → reference tokens. */
function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, path: string): { parent: Container; key: string } {
  const toks = tokens(path);
  if (toks.length === 0) throw new JsonPatchError('operations on the document root are not supported');
  let cur: unknown = doc;
  for (const t of toks.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : (cur as Record<string, unknown> | undefined)?.[t];
    if (typeof cur !== 'object' || cur === null) throw new JsonPatchError(`path "${path}" does not exist`);
  }
  return { parent: cur as Container, key: toks[toks.length - 1]! };
}

function get(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of tokens(path)) {
    if (typeof cur !== 'object' || cur === null) throw new JsonPatchError(`path "${path}" does not exist`);
    cur = Array.isArray(cur) ? cur[Number(t)] : (cur as Record<string, unknown>)[t];
  }
  if (cur === undefined) throw new JsonPatchError(`path "${path}" does not exist`);
  return cur;
}

function index(arr: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  const i = Number(key);
  if (!/^(0|[1-9]\d*)$/.test(key) || i > arr.length || (!forAdd && i === arr.length)) throw new JsonPatchError(`array index "${key}" out of range`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): void {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else parent[key] = value;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, false), 1)[0];
  if (!(key in parent)) throw new JsonPatchError(`path "${path}" does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  // the target is left as it was, also when an operation fails
  const doc = jsonClone(target);
  for (const raw of ops as Operation[]) {
    const copy = (v: unknown) => {
      if (v === undefined) throw new JsonPatchError(`operation "${raw.op}" on "${raw.path}" has no value`);
      return jsonClone(v);
    };
    switch (raw.op) {
      case 'add': add(doc, raw.path, copy(raw.value)); break;
      case 'remove': remove(doc, raw.path); break;
      case 'replace': remove(doc, raw.path); add(doc, raw.path, copy(raw.value)); break;
      case 'move': add(doc, raw.path, remove(doc, raw.from ?? '')); break;
      case 'copy': add(doc, raw.path, copy(get(doc, raw.from ?? ''))); break;
      case 'test':
        if (JSON.stringify(get(doc, raw.path)) !== JSON.stringify(raw.value)) throw new JsonPatchError(`testing value ${raw.path} failed`);
        break;
      default: throw new JsonPatchError(`unknown operation "${raw.op}"`);
    }
  }
  return doc;
}
