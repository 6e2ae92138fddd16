// What files a configMap, secret, downwardAPI or projected volume holds, as
// the kubelet's volume plugins compute them (pkg/volume/configmap, secret,
// downwardapi, projected). Pure: the ConfigMaps, Secrets and resource values
// come through VolumeSources, and atomic-writer.ts puts the result on disk.
//
// Error texts are the plugins' own, because users search for them; the caller
// wraps them the way the kubelet does (`MountVolume.SetUp failed for volume
// "x" : …`). A volume with an error gets no files at all, as SetUp fails
// before the writer runs.

import { splitSubscript } from '../api/field-path.js';
import path from 'node:path';
import type {
  ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, ResourceFieldSelector, Secret, Volume, VolumeProjection,
} from '../api/types.js';

export interface VolumeFile { path: string; content: Buffer; mode: number }

export interface VolumeSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** a container's resource value for a downward API resourceFieldRef, as the env var would have it; undefined when unknown */
  resource(containerName: string, ref: ResourceFieldSelector): string | undefined;
}

export type Projection = { files: VolumeFile[]; warnings: string[] } | { error: string };

/** the API's default for defaultMode of all four sources (SecretVolumeSourceDefaultMode and its siblings) */
export const DEFAULT_FILE_MODE = 0o644;

/** The sources whose files the agent writes; every other one (emptyDir, hostPath, …) is a directory, or nothing. */
const FILE_SOURCES = ['configMap', 'secret', 'downwardAPI', 'projected'] as const;

/** Projected sources handled by name; any other (clusterTrustBundle, podCertificate, …) gets a generic warning. */
const KNOWN_PROJECTIONS = new Set(['configMap', 'secret', 'downwardAPI', 'serviceAccountToken']);

export function isProjectedVolume(volume: Volume): boolean {
  return FILE_SOURCES.some((source) => volume[source] !== undefined && volume[source] !== null);
}

/**
 * What a source contributed: files by path (a later source's file replaces
 * an earlier one's at the same path, as the projected plugin's payload map
 * does), and every error, since the plugins report them all at once.
 */
interface Collected { files: Map<string, VolumeFile>; errors: string[]; warnings: string[] }

/** undefined: not a volume whose files the agent writes (emptyDir, hostPath, persistentVolumeClaim, …) */
export function projectVolume(pod: Pod, volume: Volume, sources: VolumeSources): Projection | undefined {
  if (!isProjectedVolume(volume)) return undefined;
  const out: Collected = { files: new Map(), errors: [], warnings: [] };
  if (volume.configMap) {
    keyedFiles(CONFIG_MAP, pod, volume.configMap, volume.configMap.defaultMode ?? DEFAULT_FILE_MODE, sources, out);
  } else if (volume.secret) {
    const { secretName, items, optional, defaultMode } = volume.secret;
    keyedFiles(SECRET, pod, { name: secretName, items, optional }, defaultMode ?? DEFAULT_FILE_MODE, sources, out);
  } else if (volume.downwardAPI) {
    downwardAPIFiles(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE, sources, out);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_FILE_MODE;
    for (const source of volume.projected.sources ?? []) projectionFiles(pod, source, mode, sources, out);
  }
  if (out.errors.length > 0) return { error: aggregateError(out.errors) };
  const files = [...out.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings: out.warnings };
}

function projectionFiles(pod: Pod, source: VolumeProjection, mode: number, sources: VolumeSources, out: Collected): void {
  if (source.configMap) keyedFiles(CONFIG_MAP, pod, source.configMap, mode, sources, out);
  if (source.secret) keyedFiles(SECRET, pod, source.secret, mode, sources, out);
  if (source.downwardAPI) downwardAPIFiles(pod, source.downwardAPI.items ?? [], mode, sources, out);
  if (source.serviceAccountToken) {
    out.warnings.push(`serviceAccountToken projection "${source.serviceAccountToken.path}" writes no file: podnet issues no service account tokens`);
  }
  for (const [kind, value] of Object.entries(source)) {
    if (value !== undefined && value !== null && !KNOWN_PROJECTIONS.has(kind)) out.warnings.push(`projected volume source ${kind} writes no file: podnet does not support it`);
  }
}

interface KeyedSource { name?: string; items?: KeyToPath[]; optional?: boolean }

/** What sets the configMap and secret plugins apart: where the object comes from, its keys' bytes, their error texts. */
interface KeyedKind {
  keys(sources: VolumeSources, namespace: string, name: string): Map<string, Buffer> | undefined;
  notFound(name: string): string;
  missingKey(key: string): string;
}

const CONFIG_MAP: KeyedKind = {
  keys(sources, namespace, name) {
    const configMap = sources.configMap(namespace, name);
    if (!configMap) return undefined;
    // binaryData after data: validation keeps their keys apart, so the order only fixes the output.
    return new Map([
      ...Object.entries(configMap.data ?? {}).map(([key, text]) => [key, Buffer.from(text, 'utf8')] as const),
      ...Object.entries(configMap.binaryData ?? {}).map(([key, b64]) => [key, Buffer.from(b64, 'base64')] as const),
    ]);
  },
  notFound: (name) => `configmap "${name}" not found`,
  missingKey: (key) => `configmap references non-existent config key: ${key}`,
};

const SECRET: KeyedKind = {
  keys(sources, namespace, name) {
    const secret = sources.secret(namespace, name);
    return secret && new Map(Object.entries(secret.data ?? {}).map(([key, b64]) => [key, Buffer.from(b64, 'base64')] as const));
  },
  notFound: (name) => `secret "${name}" not found`,
  missingKey: (key) => `references non-existent secret key: ${key}`,
};

/**
 * The plugins' MakePayload: every key as a file named after it, or only the
 * listed items. A missing object or item key fails the volume unless it is
 * optional; a missing optional object is an object without keys.
 */
function keyedFiles(kind: KeyedKind, pod: Pod, src: KeyedSource, mode: number, sources: VolumeSources, out: Collected): void {
  const name = src.name ?? '';
  const data = kind.keys(sources, pod.metadata.namespace ?? '', name);
  if (!data && !src.optional) {
    out.errors.push(kind.notFound(name));
    return;
  }
  const items = src.items ?? [];
  if (items.length === 0) {
    for (const [key, content] of data ?? []) addFile(out, key, content, mode);
    return;
  }
  for (const item of items) {
    const content = data?.get(item.key);
    if (content === undefined) {
      if (!src.optional) out.errors.push(kind.missingKey(item.key));
      continue;
    }
    addFile(out, item.path, content, item.mode ?? mode);
  }
}

/** The downward API plugin's CollectData: an item that fails does not stop the others, so all errors are reported. */
function downwardAPIFiles(pod: Pod, items: readonly DownwardAPIVolumeFile[], mode: number, sources: VolumeSources, out: Collected): void {
  for (const item of items) {
    let value = '';
    if (item.fieldRef) {
      const field = podFieldValue(pod, item.fieldRef.fieldPath);
      if ('error' in field) {
        out.errors.push(field.error);
        continue;
      }
      value = field.value;
    } else if (item.resourceFieldRef) {
      const resource = resourceValue(pod, item.path, item.resourceFieldRef, sources);
      if ('error' in resource) {
        out.errors.push(resource.error);
        continue;
      }
      value = resource.value;
    }
    addFile(out, item.path, Buffer.from(value, 'utf8'), item.mode ?? mode);
  }
}

type Value = { value: string } | { error: string };

/** The fields a downwardAPI volume may name (fieldpath.ExtractFieldPathAsString); node and status fields are env-only. */
function podFieldValue(pod: Pod, fieldPath: string): Value {
  const subscripted = splitSubscript(fieldPath);
  if (subscripted) {
    const [field, key] = subscripted;
    if (field === 'metadata.labels') return { value: pod.metadata.labels?.[key] ?? '' };
    if (field === 'metadata.annotations') return { value: pod.metadata.annotations?.[key] ?? '' };
    return { error: `fieldPath "${fieldPath}" does not support subscript` };
  }
  switch (fieldPath) {
    case 'metadata.name': return { value: pod.metadata.name ?? '' };
    case 'metadata.namespace': return { value: pod.metadata.namespace ?? '' };
    case 'metadata.uid': return { value: pod.metadata.uid ?? '' };
    case 'metadata.labels': return { value: formatMap(pod.metadata.labels) };
    case 'metadata.annotations': return { value: formatMap(pod.metadata.annotations) };
    default: return { error: `unsupported fieldPath: ${fieldPath}` };
  }
}

/**
 * A label or annotation map as a downwardAPI file holds it (fieldpath.FormatMap):
 * one `key="value"` line per entry, sorted by key, the value quoted as Go's
 * %q does so that a newline in a value cannot start a line of its own.
 */
export function formatMap(map: Record<string, string> | undefined): string {
  const entries = map ?? {};
  return Object.keys(entries).sort().map((key) => `${key}=${strconvQuote(entries[key]!)}`).join('\n');
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const GO_SHORT_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/**
 * Go's strconv.Quote. Unlike JSON.stringify it writes \a and \v, control
 * characters and DEL as \xNN, and non-printable code points (U+00A0, U+2028,
 * …) as \uNNNN or \UNNNNNNNN. A lone surrogate, which Go's JSON decoding has
 * already turned into U+FFFD, is written as that printable character.
 */
export function strconvQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (GO_PRINTABLE.test(ch)) out += ch;
    else if (GO_SHORT_ESCAPES[ch]) out += GO_SHORT_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string { return n.toString(16).padStart(width, '0'); }

function resourceValue(pod: Pod, filePath: string, ref: ResourceFieldSelector, sources: VolumeSources): Value {
  const container = ref.containerName;
  // In a volume the reference has no container of its own to default to.
  if (!container) return { error: `downward API file "${filePath}": resourceFieldRef ${ref.resource} names no containerName, which a volume requires` };
  const known = [...pod.spec.containers, ...pod.spec.initContainers ?? []].some((c) => c.name === container);
  if (!known) return { error: `container ${container} not found` };
  const value = sources.resource(container, ref);
  if (value === undefined) return { error: `unsupported container resource : ${ref.resource}` };
  return { value };
}

/**
 * A volume file path as the writer keeps it, cleaned as filepath.Clean does
 * (`a//b/./c/` → `a/b/c`), or why it is not acceptable: it must be relative,
 * have no `..` element (so that it stays inside the volume), and not start
 * with `..`, the names the writer keeps for itself (`..data`, the version
 * directories).
 */
export function checkVolumePath(raw: string): { path: string } | { problem: string } {
  if (path.posix.isAbsolute(raw)) return { problem: 'must be a relative path' };
  if (raw.split('/').includes('..')) return { problem: "must not contain '..'" };
  const normalized = raw === '' ? '.' : path.posix.normalize(raw);
  const cleaned = normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
  if (cleaned === '.') return { problem: 'must name a file inside the volume' };
  if (cleaned.startsWith('..')) return { problem: "must not start with '..', which the volume writer reserves" };
  return { path: cleaned };
}

function addFile(out: Collected, rawPath: string, content: Buffer, mode: number): void {
  const checked = checkVolumePath(rawPath);
  if ('problem' in checked) {
    out.errors.push(`invalid path "${rawPath}": ${checked.problem}`);
    return;
  }
  out.files.set(checked.path, { path: checked.path, content, mode });
}

/** utilerrors.NewAggregate's message: one error as it is, several deduplicated in brackets. */
function aggregateError(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
