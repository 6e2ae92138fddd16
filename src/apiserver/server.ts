// The API server: the object store and registry behind Kubernetes REST over
// HTTP/1.1 on a Unix socket (mode 0600: only root talks to the cluster).
// The daemon embeds one ApiServer and hands its controllers localClient().
// HTTP itself runs on a thread of its own (http-thread.ts); every request is
// decided here, on the main thread, where the registry and the store live.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BUILTIN_NAMESPACES } from '../api/resources.js';
import { apiErrors, PodnetError } from '../errors.js';
import { LocalClient } from '../client/local-client.js';
import { ObjectStore } from '../store/store.js';
import { createReview, routeReview } from './access-review.js';
import { discoveryDocument } from './discovery.js';
import { openApiDocument } from './openapi.js';
import { handleResource } from './handlers.js';
import { sendError, sendJson, sendText, toApiError, warningHeader, type ApiRequest, type ApiResponse } from './http-util.js';
import { HttpThread, type UpgradeReply, type UpgradeRequest } from './http-thread-link.js';
import { planExec } from './pod-exec.js';
import { unservedPodStream } from './pod-streams-unserved.js';
import { Registry, notServed } from './registry.js';
import { routeResource } from './router.js';
import { MAX_BACKLOG_BYTES } from './watch.js';

/** Idle keep-alive connections stay open longer than any client pool keeps them, so reuse never races a close. */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;
const SOCKET_MODE = 0o600;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'apiserver' || c === '*');

export interface ApiServerOptions {
  databasePath: string;
  socketPath: string;
  /** watch history length (events across all kinds) */
  historySize?: number;
  bookmarkIntervalMs?: number;
  /** the cluster's pods directory (container logs and processes, for pods/log and pods/exec); without it both are 404 */
  podsDir?: string;
  /** a watch stream whose unsent backlog passes this many bytes is cut off (default 64 MiB) */
  watchBacklogBytes?: number;
  /**
   * What to do when the store cannot commit (the group's requests already got
   * a 500): by default log and exit, so a restart serves what is on disk.
   */
  onStoreFailure?: (err: Error) => void;
  /** What to do when the HTTP thread dies: by default log and exit, as for the store. */
  onHttpFailure?: (err: Error) => void;
}

function exitOnHttpFailure(err: Error): void {
  process.stderr.write(`apiserver: the HTTP thread failed, exiting: ${err.stack ?? err.message}\n`);
  process.exit(1);
}

/** EX_IOERR (sysexits.h): the store's file failed under us */
const STORE_FAILURE_EXIT_CODE = 74;

function exitOnStoreFailure(err: Error): void {
  process.stderr.write(`apiserver: the store could not commit, exiting so a restart serves what is on disk: ${err.stack ?? err.message}\n`);
  // let the 500 answers already queued go out first
  setImmediate(() => process.exit(STORE_FAILURE_EXIT_CODE));
}

export class ApiServer {
  private storeInstance: ObjectStore | undefined;
  private registryInstance: Registry | undefined;
  private http: HttpThread | undefined;

  constructor(readonly options: ApiServerOptions) {}

  get registry(): Registry {
    if (!this.registryInstance) throw new PodnetError('ENOTSTARTED', 'the API server is not started');
    return this.registryInstance;
  }

  get store(): ObjectStore { return this.registry.store; }

  /** In-process client with the same semantics as the HTTP API (for controllers in the daemon). */
  localClient(): LocalClient { return new LocalClient(this.registry); }

  /** Opens the store (creating built-in objects on first start), then listens on the socket. */
  async start(): Promise<void> {
    // Group commit: the writes of one event-loop turn share one SQLite
    // transaction; handlers hold their answers until it is committed.
    const store = new ObjectStore({
      path: this.options.databasePath, historySize: this.options.historySize,
      commit: 'grouped', onFailure: this.options.onStoreFailure ?? exitOnStoreFailure,
    });
    this.storeInstance = store;
    this.registryInstance = new Registry(store);
    this.registryInstance.bootstrap(BUILTIN_NAMESPACES);
    const socketPath = this.options.socketPath;
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    await removeStaleSocket(socketPath);
    this.http = await HttpThread.start(
      { socketPath, socketMode: SOCKET_MODE, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, maxBacklogBytes: this.options.watchBacklogBytes ?? MAX_BACKLOG_BYTES },
      (req, res) => { void this.handle(req, res); },
      this.options.onHttpFailure ?? exitOnHttpFailure,
      (req, reply) => this.handleUpgrade(req, reply),
    );
  }

  async stop(): Promise<void> {
    const link = this.http;
    this.http = undefined;
    if (link) {
      await link.stop();
      fs.rmSync(this.options.socketPath, { force: true });
    }
    this.storeInstance?.close();
    this.storeInstance = undefined;
    this.registryInstance = undefined;
  }

  /**
   * A protocol switch: only pods/NAME/exec takes one (kubectl exec), and only in a daemon that knows its nodes' files;
   * port-forward and attach are refused with what to use instead.
   */
  private handleUpgrade(req: UpgradeRequest, reply: UpgradeReply): void {
    try {
      const url = new URL(req.url, 'http://podnet');
      const route = routeResource(url.pathname);
      const { podsDir } = this.options;
      const unserved = route && unservedPodStream(this.registry, route.info, route.namespace, route.name, route.subresource);
      if (unserved) throw unserved;
      if (!route || route.subresource !== 'exec' || route.info.kind !== 'Pod' || !route.name || !route.namespace || !podsDir) throw notServed();
      if (req.method !== 'GET' && req.method !== 'POST') throw apiErrors.methodNotAllowed(`the server does not allow this method on the requested resource (${req.method} pods/exec)`);
      reply.exec(planExec(this.registry, route.info, route.namespace, route.name, url.searchParams, req, { podsDir }));
    } catch (e) {
      const err = toApiError(e);
      reply.refuse(err.status.code ?? 500, JSON.stringify(err.status));
    }
  }

  private async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    const started = debug ? Date.now() : 0;
    try {
      const url = new URL(req.url, 'http://podnet');
      const p = url.pathname;
      if (p === '/healthz' || p === '/readyz' || p === '/livez') {
        sendText(res, 200, 'ok');
        return;
      }
      const reviewed = routeReview(p);
      if (reviewed) {
        const { json, warnings } = createReview(reviewed, req, url.searchParams);
        sendJson(res, 201, json, warnings ? { Warning: warningHeader(warnings) } : undefined);
        return;
      }
      const route = routeResource(p);
      if (route) {
        await handleResource(this.registry, req, res, route, url.searchParams, { bookmarkIntervalMs: this.options.bookmarkIntervalMs, podsDir: this.options.podsDir });
        return;
      }
      const openApi = req.method === 'GET' ? openApiDocument(p) : undefined;
      if (openApi) {
        sendJson(res, 200, openApi);
        return;
      }
      const doc = req.method === 'GET' ? discoveryDocument(p) : undefined;
      if (!doc) throw notServed();
      sendJson(res, 200, JSON.stringify(doc));
    } catch (e) {
      // an error can tell of state the open group wrote (409, 404): same rule as answers
      try { await this.storeInstance?.whenCommitted(); } catch { /* the error below goes out either way */ }
      sendError(res, e);
    } finally {
      if (debug) console.error(`apiserver: ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }
}

/** A socket file nobody listens on is left over from a killed daemon; a live one means another daemon runs. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!fs.existsSync(socketPath)) return;
  const live = await new Promise<boolean>((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (live) throw new PodnetError('EADDRINUSE', `another API server is listening on ${socketPath}`);
  fs.rmSync(socketPath, { force: true });
}
