// A container's log as the kubelet serves it: which instance to read (the
// current one, or the last that terminated), its file, and the last N lines
// of it. Shared by `podnet logs` (it reads the node's files itself) and the
// API server's pods/log subresource (what `kubectl logs` asks for).

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Pod } from '../api/types.js';
import { apiErrors } from '../errors.js';
import { podFiles } from './pod-files.js';

/** bytes read per step when looking for the last lines from the end of a log */
const TAIL_CHUNK = 64 * 1024;

/**
 * Which instance of the container to read (its restart count, which names
 * its log file), as the kubelet's validateContainerLogStatus decides: the
 * running or terminated one; a container waiting to restart shows the one
 * that just died; --previous the last terminated one. undefined: the pod is
 * not bound to a node yet, where the API server answers an empty log.
 * Throws the API server's 400 otherwise.
 */
export function logInstance(pod: Pod, container: string, previous: boolean): number | undefined {
  const podName = pod.metadata.name!;
  const cs = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === container);
  if (!cs) {
    if (!pod.spec.nodeName) return undefined;
    // bound but not reported yet: the kubelet's own status says ContainerCreating
    throw apiErrors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  }
  const { waiting, running, terminated } = cs.state ?? {};
  const last = cs.lastState?.terminated;
  // podnet counts restarts when the next instance starts: until then the
  // instance that just terminated still carries the current restartCount.
  if (previous) {
    if (!last) throw apiErrors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return waiting ? cs.restartCount : cs.restartCount - 1;
  }
  if (running || terminated || last) return cs.restartCount;
  if (waiting) {
    const reason = waiting.reason ?? '';
    const why = reason === 'ErrImagePull' ? "image can't be pulled" : reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
    throw apiErrors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${why}`);
  }
  throw apiErrors.badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}

/**
 * Where the last `n` lines of `buf` start; undefined when `buf` holds fewer
 * (the caller reads further back, or takes all). A final line without its
 * newline counts as a line; the newline that ends the last line does not
 * start another.
 */
export function tailOffset(buf: Buffer, n: number): number | undefined {
  if (n === 0) return buf.length;
  let end = buf.length;
  if (end > 0 && buf[end - 1] === 0x0a) end--;
  let seen = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (buf[i] === 0x0a && ++seen === n) return i + 1;
  }
  return undefined;
}

/** The last `n` lines of a file, read backwards in chunks (logs can be large). */
export function readTail(file: string, n: number): { bytes: Buffer; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let acc = Buffer.alloc(0);
    let pos = size;
    while (pos > 0) {
      const start = Math.max(0, pos - TAIL_CHUNK);
      const chunk = Buffer.alloc(pos - start);
      readSync(fd, chunk, 0, chunk.length, start);
      acc = Buffer.concat([chunk, acc]);
      pos = start;
      const off = tailOffset(acc, n);
      if (off !== undefined) return { bytes: acc.subarray(off), size };
    }
    return { bytes: acc, size };
  } finally { closeSync(fd); }
}

/** The file of one container instance, or undefined when there is none (removed with its instance, or nothing written yet). */
export function containerLogFile(podsDir: string, pod: Pod, container: string, instance: number): string | undefined {
  const files = podFiles(podsDir, pod.metadata.uid!);
  const file = files.log(container, instance);
  if (existsSync(file)) return file;
  // a pod started by an agent from before per-instance logs: its one file
  const legacy = files.legacyLog(container);
  return existsSync(legacy) ? legacy : undefined;
}
