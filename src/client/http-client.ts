// The Client over the cluster's Unix socket (CLI, node agents, anything
// outside the daemon). JSON over HTTP/1.1 with a keep-alive pool; every
// non-2xx answer becomes the ApiError of its Status body. Watches use their
// own connection and parse the newline-delimited JSON stream.

import http from 'node:http';
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/types.js';
import { resourceForKind, resourcePath, resourceForPlural, type ResourceInfo } from '../api/resources.js';
import { ApiError, apiErrors, PodnetError } from '../errors.js';
import { UnixHttpPool } from './unix-http-pool.js';
import { parseWarningHeader } from './warnings.js';
import type { Client, DeleteOptions, ListOptions, WatchHandle, WatchOptions, WriteOptions } from './client.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_POOL_SOCKETS = 16;
/**
 * The lean pool's shape: `podnet apply`'s 256 requests in flight on two
 * connections, 128 deep each. Pipelined, 2,000 creates cost the CLI half the
 * CPU of 16 connections with one request each, and the API server less
 * (fewer reads, writes and wake-ups); two connections let the server read
 * one while it answers the other.
 */
const LEAN_CONNECTIONS = 2;
const LEAN_PIPELINE_DEPTH = 128;
/** requests a lean client can have in flight at once: what `podnet apply` keeps busy */
export const LEAN_IN_FLIGHT = LEAN_CONNECTIONS * LEAN_PIPELINE_DEPTH;
/**
 * A Unix socket has no TLS server name. Without this, node's http Agent works
 * one out from the default host "localhost" with net.isIP, whose first call
 * costs 15-25 ms of CPU here (it builds its IPv6 pattern): every agent, DNS
 * pod, LB agent and ingress controller paid it on its way to Ready.
 */
const NO_SERVERNAME = { servername: '' } as const;

export interface HttpClientOptions {
  socketPath: string;
  /** per request (not watches) */
  timeoutMs?: number;
  /**
   * Send requests (not watches) through UnixHttpPool instead of node:http:
   * for a process that sends many small requests and nothing else (the
   * CLI's apply), where node:http's per-request cost shows.
   */
  lean?: boolean;
  /** each warning an answer carries (RFC 7234 Warning headers, code 299), as kubectl prints them */
  onWarning?: (text: string) => void;
}

interface Response { status: number; body: string; warnings?: string[] }

/** The write's query string; its values are fixed words, so it is joined directly (an apply sends thousands). */
function writeQuery(options: Pick<WriteOptions, 'dryRun' | 'fieldValidation'>): string {
  if (options.dryRun) return options.fieldValidation ? `?dryRun=All&fieldValidation=${options.fieldValidation}` : '?dryRun=All';
  return options.fieldValidation ? `?fieldValidation=${options.fieldValidation}` : '';
}

export class HttpClient implements Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: MAX_POOL_SOCKETS });
  private readonly timeoutMs: number;
  private readonly pool: UnixHttpPool | undefined;

  constructor(readonly options: HttpClientOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.lean) this.pool = new UnixHttpPool({ socketPath: options.socketPath, maxConnections: LEAN_CONNECTIONS, pipelineDepth: LEAN_PIPELINE_DEPTH, timeoutMs: this.timeoutMs });
  }

  /** Closes pooled connections (lets a CLI process exit at once). */
  close(): void {
    this.agent.destroy();
    this.pool?.close();
  }

  async get<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string): Promise<T> {
    return this.json<T>('GET', resourcePath(infoFor(plural), nsOf(plural, namespace), name));
  }

  async list<T extends KubeObject = KubeObject>(plural: string, namespace?: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const q = query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, resourceVersion: options.resourceVersion });
    return this.json<KubeList<T>>('GET', resourcePath(infoFor(plural), namespace) + q);
  }

  async create<T extends KubeObject>(obj: T, options: Pick<WriteOptions, 'dryRun' | 'fieldValidation'> = {}): Promise<T> {
    const info = kindInfo(obj);
    return this.json<T>('POST', resourcePath(info, info.namespaced ? obj.metadata?.namespace || 'default' : undefined) + writeQuery(options), obj);
  }

  async update<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const info = kindInfo(obj);
    const ns = info.namespaced ? obj.metadata?.namespace || 'default' : undefined;
    return this.json<T>('PUT', resourcePath(info, ns, obj.metadata?.name ?? '', options.subresource) + writeQuery(options), obj);
  }

  async patch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string, patch: unknown, options: WriteOptions = {}): Promise<T> {
    return this.json<T>('PATCH', resourcePath(infoFor(plural), nsOf(plural, namespace), name, options.subresource) + writeQuery(options), patch, options.patchType === 'strategic' ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json');
  }

  async delete(plural: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<KubeObject | Status> {
    // client-go's Request.Name(""): without a name the path would be the whole collection's
    if (!name) throw new PodnetError('EUSAGE', 'resource name may not be empty');
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...options };
    return this.json<KubeObject | Status>('DELETE', resourcePath(infoFor(plural), nsOf(plural, namespace), name), body);
  }

  /** Raw request for paths the typed methods do not cover (discovery, /version). */
  async raw(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    return this.send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType, false);
  }

  watch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    let stopped = false;
    let settle: { resolve: () => void; reject: (e: unknown) => void };
    const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    done.catch(() => { /* callers that never await done must not crash on an expired watch */ });
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      if (err === undefined || stopped) settle.resolve(); else settle.reject(err);
    };
    let req: http.ClientRequest | undefined;
    try {
      const rv = options.resourceVersion ?? '';
      // Client contract: no resourceVersion = from now (no synthetic ADDED events for existing objects)
      const q = query({
        watch: 'true', labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, resourceVersion: rv || undefined,
        ...(rv ? {} : { sendInitialEvents: 'false', resourceVersionMatch: 'NotOlderThan' }),
      });
      req = http.request({ socketPath: this.options.socketPath, ...NO_SERVERNAME, method: 'GET', path: resourcePath(infoFor(plural), namespace) + q, agent: false, headers: { Accept: 'application/json' } });
    } catch (e) {
      finish(e);
      return { done, stop: () => {} };
    }
    req.on('error', (e) => finish(e));
    req.on('response', (res) => {
      res.setEncoding('utf8');
      if ((res.statusCode ?? 0) >= 300) {
        let body = '';
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => finish(errorFrom(res.statusCode ?? 0, body)));
        return;
      }
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '' || stopped) continue;
          let ev: WatchEvent<T>;
          try {
            ev = JSON.parse(line) as WatchEvent<T>;
          } catch (e) {
            finish(new Error(`malformed watch event: ${(e as Error).message}`));
            req?.destroy();
            return;
          }
          if (ev.type === 'ERROR') {
            finish(new ApiError(ev.object as unknown as Status));
            req?.destroy();
            return;
          }
          try {
            onEvent(ev);
          } catch (e) {
            console.error(`http-client: watch handler for ${plural} failed:`, e);
          }
        }
      });
      res.on('end', () => finish());
      res.on('close', () => { if (!res.complete) finish(new Error(`watch of ${plural} broken: connection closed`)); });
      res.on('error', (e) => finish(e));
    });
    req.end();
    return {
      done,
      stop: () => {
        if (stopped) return;
        stopped = true;
        req?.destroy();
        finish();
      },
    };
  }

  private async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType, true);
    if (res.warnings && this.options.onWarning) for (const w of res.warnings) this.options.onWarning(w);
    if (res.status < 200 || res.status >= 300) throw errorFrom(res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  private send(method: string, path: string, body: string | undefined, contentType: string, retryReused: boolean): Promise<Response> {
    if (this.pool) return this.pool.request(method, path, body, contentType);
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
      if (body !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      const req = http.request({ socketPath: this.options.socketPath, ...NO_SERVERNAME, method, path, agent: this.agent, headers, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const warning = res.headers.warning;
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'),
          ...(warning !== undefined ? { warnings: parseWarningHeader(warning) } : {}),
        }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${this.timeoutMs}ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // a pooled connection the server closed while idle: the request never reached it, send again once
        if (retryReused && req.reusedSocket && e.code === 'ECONNRESET') {
          this.send(method, path, body, contentType, false).then(resolve, reject);
          return;
        }
        reject(e);
      });
      req.end(body);
    });
  }
}

function infoFor(plural: string): ResourceInfo {
  const info = resourceForPlural(plural);
  if (!info) {
    throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404, details: {} });
  }
  return info;
}

function kindInfo(obj: KubeObject): ResourceInfo {
  const info = resourceForKind(obj.apiVersion, obj.kind);
  if (!info) throw apiErrors.noMatch(obj.kind, obj.apiVersion);
  return info;
}

/** get/update/delete of a namespaced kind without a namespace mean `default`, as in kubectl. */
function nsOf(plural: string, namespace: string | undefined): string | undefined {
  return infoFor(plural).namespaced ? namespace || 'default' : undefined;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The Status body of an error answer, or one made up from the code when the body is not a Status. */
export function errorFrom(code: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === 'Status') return new ApiError(parsed);
  } catch { /* not JSON */ }
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code, reason: code === 404 ? 'NotFound' : 'InternalError', message: body.trim() || `HTTP ${code}` });
}
