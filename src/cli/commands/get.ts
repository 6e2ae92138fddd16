// `podnet get KIND[,KIND] [NAME…] [-n NS|-A] [-l SEL] [-o FORMAT] [--no-headers]`, FORMAT one
// of kubectl's: wide, json, yaml, name, jsonpath=…, jsonpath-file=…,
// jsonpath-as-json=…, custom-columns=…, custom-columns-file=…

import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/types.js';
import { apiVersionOf, resourceForName, resourcesInCategory, type ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import { ApiError, isApiError, PodnetError } from '../../errors.js';
import { joinTables, noResourcesMessage, printTable } from '../printers/table.js';
import { asList, printObjects } from '../printers/output.js';
import { jsonPathPrinter } from '../printers/jsonpath.js';
import { parseCustomColumns, parseCustomColumnsFile, printCustomColumns } from '../printers/custom-columns.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

export interface Target { resource: ResourceInfo; names: string[] }

/** `pods`, `svc,endpointslices`, `pod/web-1 svc/web`, `deploy web api` → what to fetch. */
/** verb: the command, for kubectl's "You must specify the type of resource to <verb>" */
export function parseTargets(positionals: string[], verb = 'get'): Target[] {
  if (positionals.length === 0) throw new PodnetError('EUSAGE', `You must specify the type of resource to ${verb}. Use "podnet ${verb} nodes|namespaces|pods|daemonsets|deployments|replicasets|statefulsets|horizontalpodautoscalers|cronjobs|jobs|services|endpoints|endpointslices|ingresses|ingressclasses|networkpolicies|secrets|serviceaccounts|configmaps|persistentvolumeclaims|persistentvolumes|storageclasses|poddisruptionbudgets|roles|rolebindings|clusterroles|clusterrolebindings|gatewayclasses|gateways|httproutes|referencegrants|events"`);
  const lookup = (name: string) => {
    const r = resourceForName(name);
    if (!r) throw new PodnetError('ENOTYPE', `the server doesn't have a resource type "${name}"`);
    return r;
  };
  if (positionals.every((p) => p.includes('/'))) {
    const targets: Target[] = [];
    for (const p of positionals) {
      const [kind, name] = p.split('/', 2) as [string, string];
      const r = lookup(kind);
      const t = targets.find((x) => x.resource === r);
      if (t) t.names.push(name); else targets.push({ resource: r, names: [name] });
    }
    return targets;
  }
  const [kinds, ...names] = positionals;
  // a category (`all`) stands for its kinds, as kubectl expands it from discovery
  const resources = [...new Set(kinds!.split(',').filter(Boolean).flatMap((k) => {
    const r = resourceForName(k);
    if (r) return [r];
    const inCategory = resourcesInCategory(k.toLowerCase());
    return inCategory.length > 0 ? inCategory : [lookup(k)];
  }))];
  if (names.length > 0 && resources.length > 1) throw new PodnetError('EUSAGE', 'you must specify only one resource');
  return resources.map((resource) => ({ resource, names }));
}

interface Fetched { resource: ResourceInfo; objects: KubeObject[]; names: string[] }

/** What the targets name or select; a named object that does not exist is reported in `missing` while the others are still fetched, as kubectl does. */
export async function fetchTargets(client: Client, targets: Target[], flags: CommonFlags): Promise<{ results: Fetched[]; missing: ApiError[] }> {
  const namespace = flags.allNamespaces ? undefined : flags.namespace ?? 'default';
  const results: Fetched[] = [];
  const missing: ApiError[] = [];
  for (const t of targets) {
    const ns = t.resource.namespaced ? namespace : undefined;
    let objects: KubeObject[];
    if (t.names.length > 0) {
      objects = [];
      for (const n of t.names) {
        try { objects.push(await client.get(t.resource.plural, ns ?? flags.namespace ?? 'default', n)); } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
          missing.push(err);
        }
      }
    } else {
      const list = await client.list(t.resource.plural, ns, { ...(flags.selector ? { labelSelector: flags.selector } : {}) });
      objects = list.items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersionOf(t.resource), kind: o.kind ?? t.resource.kind }));
      objects.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
    }
    results.push({ resource: t.resource, objects, names: t.names });
  }
  return { results, missing };
}

/** The text for what was found; single: one object asked for by name, which prints as itself rather than in a List. */
type ObjectsPrinter = (objects: KubeObject[], single: boolean) => string;

/** The -o formats that carry a value after `=`, as kubectl splits them off the format's name. */
const TEMPLATE_FORMATS = ['jsonpath', 'jsonpath-file', 'jsonpath-as-json', 'custom-columns', 'custom-columns-file'];

/** The formats podnet prints, sorted as kubectl lists its own. */
const ALLOWED_FORMATS = 'custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml';

/**
 * The printer for an -o FORMAT other than a table. A template is read and
 * parsed here, so a bad one fails before anything is printed.
 */
export function objectsPrinter(format: string, opts: { noHeaders?: boolean } = {}): ObjectsPrinter {
  if (format === 'json' || format === 'yaml' || format === 'name') return (objects, single) => printObjects(objects, format, { single });
  const name = TEMPLATE_FORMATS.find((f) => format.startsWith(`${f}=`)) ?? format;
  const value = format.slice(name.length + 1);
  switch (name) {
    case 'jsonpath': case 'jsonpath-file': case 'jsonpath-as-json': {
      if (value === '') throw new PodnetError('EUSAGE', 'template format specified but no template given');
      const print = jsonPathPrinter(name === 'jsonpath-file' ? readTemplateFile(value, '--template') : value, { asJson: name === 'jsonpath-as-json' });
      return (objects, single) => print(single && objects.length === 1 ? objects[0] : asList(objects));
    }
    case 'custom-columns': case 'custom-columns-file': {
      if (value === '') throw new PodnetError('EUSAGE', 'custom-columns format specified but no custom columns given');
      // kubectl's custom-columns-file always prints its header row, --no-headers or not
      const fromFile = name === 'custom-columns-file';
      const columns = fromFile ? parseCustomColumnsFile(readTemplateFile(value, 'template')) : parseCustomColumns(value);
      const noHeaders = !fromFile && !!opts.noHeaders;
      return (objects) => printCustomColumns(objects, columns, { noHeaders });
    }
  }
  throw new PodnetError('EUSAGE', `unable to match a printer suitable for the output format "${format}", allowed formats are: ${ALLOWED_FORMATS}`);
}

/** Go's wording for a file that cannot be read, which kubectl passes on. */
const FILE_ERRORS: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' };

/** A -o …-file=FILE; what: how kubectl names the file in its error ("--template", "template"). */
function readTemplateFile(file: string, what: string): string {
  try { return readFileSync(file, 'utf8'); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // Go opens a directory without complaint and fails when it reads it
    const reason = `${code === 'EISDIR' ? 'read' : 'open'} ${file}: ${FILE_ERRORS[code] ?? (err as Error).message}`;
    throw new PodnetError('EUSAGE', `error: error reading ${what} ${file}, ${reason}`);
  }
}

export async function getCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const targets = parseTargets(flags.positionals);
  const { results, missing } = await fetchTargets(ctx.client(), targets, flags);
  // what was found is printed, then one line per name that was not; exit 1 if any was not
  const reportMissing = (): number => {
    for (const err of missing) process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
    return missing.length > 0 ? 1 : 0;
  };
  const format = flags.output ?? '';
  const all = results.flatMap((r) => r.objects);
  if (format !== '' && format !== 'wide') {
    const print = objectsPrinter(format, { noHeaders: flags.noHeaders });
    // one object asked for by name prints as itself; anything else as a List
    // (kubectl's printGeneric: a single name that is missing prints only its
    // error, several names that all are still print their empty List first)
    const single = results.length === 1 && results[0]!.names.length === 1;
    if (all.length > 0 || !single) process.stdout.write(print(all, single));
    return reportMissing();
  }
  const sections: string[] = [];
  // kubectl's multipleGVKsRequested looks at what was found, not at what was asked for
  const withKindPrefix = results.filter((r) => r.objects.length > 0).length > 1;
  for (const r of results) {
    if (r.objects.length === 0) continue;
    sections.push(printTable(r.resource.kind, r.objects, { wide: format === 'wide', allNamespaces: flags.allNamespaces, now: new Date(), withKindPrefix, labelColumns: flags.labelColumns, showLabels: flags.showLabels, noHeaders: flags.noHeaders }));
  }
  if (sections.length === 0 && missing.length === 0) {
    const namespaced = results.some((r) => r.resource.namespaced);
    process.stderr.write(`${noResourcesMessage(flags.allNamespaces || !namespaced ? undefined : flags.namespace ?? 'default', flags.allNamespaces)}\n`);
    return 0;
  }
  process.stdout.write(joinTables(sections, { noHeaders: flags.noHeaders }));
  return reportMissing();
}
