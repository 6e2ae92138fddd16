// GET pods/NAME/log: a container's log as kube-apiserver serves it from the
// kubelet (what `kubectl logs` asks for). The node agents write every
// container instance's output to a file under the cluster's pods directory
// (src/agent/pod-files.ts); this reads it. Which container and which instance,
// and the refusals, follow upstream's LogLocation and the kubelet's
// validateContainerLogStatus (src/agent/container-logs.ts, shared with
// `podnet logs`). `follow=true` streams what is written until that instance
// ends (it exits, restarts into a new file, or the pod goes), as the kubelet does.

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { ResourceInfo } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { containerLogFile, logInstance, readTail } from '../agent/container-logs.js';
import { apiErrors, ApiError } from '../errors.js';
import type { ApiResponse } from './http-util.js';
import type { Registry } from './registry.js';

/** how often a follow looks for new bytes, and whether its instance has ended */
const FOLLOW_POLL_MS = 200;

function invalidOption(field: string, value: string, detail: string): ApiError {
  return new ApiError({
    apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid',
    message: `PodLogOptions "" is invalid: ${field}: Invalid value: ${value}: ${detail}`,
    details: { kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${detail}`, field }] },
  });
}

interface LogOptions { container?: string; previous: boolean; follow: boolean; tailLines?: number; limitBytes?: number }

function optionsOf(query: URLSearchParams): LogOptions {
  const int = (name: string, min: number, detail: string): number | undefined => {
    const v = query.get(name);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v)) throw apiErrors.badRequest(`${name}: invalid value "${v}": must be an integer`);
    if (Number(v) < min) throw invalidOption(name, v, detail);
    return Number(v);
  };
  // podnet's node agents keep the bytes a container wrote, not when it wrote them
  for (const unsupported of ['timestamps', 'sinceSeconds', 'sinceTime']) {
    const v = query.get(unsupported);
    if (v !== null && v !== 'false') throw apiErrors.badRequest(`${unsupported} is not supported: podnet's node agents do not record when each line was written`);
  }
  return {
    container: query.get('container') || undefined,
    previous: query.get('previous') === 'true',
    follow: query.get('follow') === 'true',
    tailLines: int('tailLines', 0, 'must be greater than or equal to 0'),
    limitBytes: int('limitBytes', 1, 'must be greater than 0'),
  };
}

/** upstream's LogLocation: the container named, the only one, or a 400 that lists them */
export function containerOf(pod: Pod, wanted: string | undefined): string {
  const name = pod.metadata.name!;
  const names = pod.spec.containers.map((c) => c.name);
  const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (wanted) {
    if (!names.includes(wanted) && !inits.includes(wanted)) throw apiErrors.badRequest(`container ${wanted} is not valid for pod ${name}`);
    return wanted;
  }
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw apiErrors.badRequest(`a container name must be specified for pod ${name}`);
  const choose = `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`;
  throw apiErrors.badRequest(inits.length > 0 ? `${choose} or one of the init containers: [${inits.join(' ')}]` : choose);
}

function readRange(file: string, start: number, end: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, end - start));
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally { closeSync(fd); }
}

export function serveLog(registry: Registry, info: ResourceInfo, namespace: string, name: string, query: URLSearchParams, res: ApiResponse, podsDir: string): void {
  const o = optionsOf(query);
  const pod = registry.get(info, namespace, name).object as Pod;
  const container = containerOf(pod, o.container);
  // not bound to a node yet: an empty log, as upstream's empty location gives
  const instance = pod.spec.nodeName ? logInstance(pod, container, o.previous) : undefined;
  const file = instance === undefined ? undefined : containerLogFile(podsDir, pod, container, instance);
  let sent = 0;
  const limited = (b: Buffer): Buffer => {
    if (o.limitBytes === undefined) return b;
    const room = Math.max(0, o.limitBytes - sent);
    return b.length > room ? b.subarray(0, room) : b;
  };
  let offset = 0;
  let first: Buffer = Buffer.alloc(0);
  if (file && o.tailLines !== undefined) {
    const t = readTail(file, o.tailLines);
    first = limited(t.bytes);
    offset = t.size;
  } else if (file) {
    const all = readFileSync(file);
    first = limited(all);
    offset = all.length;
  }
  sent = first.length;
  // a previous instance has ended already; nothing more comes to a full limit either
  if (!o.follow || o.previous || !file || (o.limitBytes !== undefined && sent >= o.limitBytes)) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': first.length });
    res.end(first.toString('utf8'));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  // a character split between two reads goes out whole with the second
  const text = new StringDecoder('utf8');
  if (first.length > 0) res.write(text.write(first));
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(poll);
    res.end();
  };
  const ended = (): boolean => {
    let fresh: Pod;
    try { fresh = registry.get(info, namespace, name).object as Pod; } catch { return true; }
    if (fresh.metadata.uid !== pod.metadata.uid) return true;
    try { if (logInstance(fresh, container, false) !== instance) return true; } catch { return true; }
    const status = [...(fresh.status?.containerStatuses ?? []), ...(fresh.status?.initContainerStatuses ?? [])].find((c) => c.name === container);
    return status !== undefined && status.state?.running === undefined;
  };
  const poll = setInterval(() => {
    try {
      // read what was written, then decide: the last bytes of an instance that just ended still go out
      const isOver = ended();
      const size = statSync(file, { throwIfNoEntry: false })?.size ?? offset;
      if (size > offset) {
        const chunk = limited(readRange(file, offset, size));
        offset = size;
        sent += chunk.length;
        if (chunk.length > 0) res.write(text.write(chunk));
      }
      if (isOver || (o.limitBytes !== undefined && sent >= o.limitBytes)) finish();
    } catch {
      // the file went with its pod between two looks: the log has ended
      finish();
    }
  }, FOLLOW_POLL_MS);
  res.onClose(finish);
}
