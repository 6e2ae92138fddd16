// Server-side printing: the meta.k8s.io Table a client gets when its Accept
// header asks for one (`application/json;as=Table;v=v1;g=meta.k8s.io`, what
// kubectl get sends). The columns and cells are the ones `podnet get` prints
// (src/cli/printers/table.ts computes both), so kubectl pointed at podnet
// shows the same table as `podnet get`; the columns only `-o wide` shows have
// priority 1, as upstream marks them. Pure: objects in, JSON text out.

import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { tableCells, tableColumns } from '../cli/printers/table.js';

/** Which Table version an Accept header asks for, or undefined when it asks for none (then the objects go out as they are). */
export function tableVersionOf(accept: string): 'v1' | 'v1beta1' | undefined {
  if (!accept.includes('as=Table')) return undefined;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=', 2) as [string, string]));
    if (p['as'] !== 'Table' || p['g'] !== 'meta.k8s.io') continue;
    if (p['v'] === 'v1' || p['v'] === 'v1beta1') return p['v'];
  }
  return undefined;
}

/** The `includeObject` query parameter: what each row carries besides its cells (upstream's default: the object's metadata). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

// Upstream's column names where title case is not enough (kubectl prints every name upper-cased).
const COLUMN_NAMES: Record<string, string> = {
  'UP-TO-DATE': 'Up-to-date', 'OS-IMAGE': 'OS-Image', ADDRESSTYPE: 'AddressType', STORAGECLASS: 'StorageClass',
  VOLUMEATTRIBUTESCLASS: 'VolumeAttributesClass', VOLUMEMODE: 'VolumeMode', RECLAIMPOLICY: 'ReclaimPolicy',
  VOLUMEBINDINGMODE: 'VolumeBindingMode', ALLOWVOLUMEEXPANSION: 'AllowVolumeExpansion', SERVICEACCOUNTS: 'ServiceAccounts',
  MINPODS: 'MinPods', MAXPODS: 'MaxPods',
};

function columnName(header: string): string {
  return COLUMN_NAMES[header] ?? header.split(' ').map((word) => word.split('-').map((part) => (part === 'IP' ? part : part.charAt(0) + part.slice(1).toLowerCase())).join('-')).join(' ');
}

export interface TableOptions {
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  /** a list's resourceVersion (a single object's Table carries none) */
  resourceVersion?: string;
  /** false: rows only, as in the watch events after the first */
  withColumns?: boolean;
  now?: number;
}

/** The Table of objects of one kind. */
export function toTable(info: ResourceInfo, objects: readonly KubeObject[], o: TableOptions): string {
  const apiVersion = `meta.k8s.io/${o.version}`;
  const printed = tableColumns(info.kind);
  const columns = printed ?? [{ header: 'NAME', wideOnly: false }];
  const now = o.now ?? Date.now();
  const rows = objects.map((obj) => {
    const cells = printed ? tableCells(info.kind, obj, now) : [obj.metadata.name ?? ''];
    const row: Record<string, unknown> = { cells };
    if (o.includeObject === 'Object') row['object'] = obj;
    else if (o.includeObject === 'Metadata') row['object'] = { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
    return row;
  });
  const table: Record<string, unknown> = { kind: 'Table', apiVersion, metadata: o.resourceVersion ? { resourceVersion: o.resourceVersion } : {} };
  if (o.withColumns !== false) {
    // the NAME column (an Event's is among its wide ones) is the one kubectl prefixes with the kind in `get a,b`
    table['columnDefinitions'] = columns.map((c) => ({
      name: columnName(c.header), type: 'string', format: c.header === 'NAME' ? 'name' : '', description: '', priority: c.wideOnly ? 1 : 0,
    }));
  }
  table['rows'] = rows;
  return JSON.stringify(table);
}
