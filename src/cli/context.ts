// What every command needs: which cluster, its files, and a client to it.

import { existsSync } from 'node:fs';
import net from 'node:net';
import { clusterName, clusterPaths, CLUSTER_NAME_PATTERN, DEFAULT_CLUSTER, type ClusterPaths } from '../config.js';
import { HttpClient } from '../client/http-client.js';
import type { Client, WatchHandle } from '../client/client.js';
import { PodnetError } from '../errors.js';

export interface Context {
  cluster: string;
  paths: ClusterPaths;
  /** a client to the cluster's API; its requests fail with ENOCLUSTER when no daemon answers */
  client(): Client;
  /** connects to the API socket once: ENOCLUSTER unless a daemon listens (for what talks to the socket without client()) */
  ready(): Promise<void>;
}

/** ` --cluster NAME` for a command a message tells the user to run; empty for the default cluster. */
export function clusterOption(cluster: string): string {
  return cluster === DEFAULT_CLUSTER ? '' : ` --cluster ${cluster}`;
}

export function context(flag?: string): Context {
  const cluster = clusterName(flag);
  if (!CLUSTER_NAME_PATTERN.test(cluster)) {
    throw new PodnetError('EUSAGE', `invalid cluster name "${cluster}": use 1-16 lower-case letters, digits or '-', starting and ending with a letter or digit`);
  }
  const paths = clusterPaths(cluster);
  const notRunning = (why: string) => new PodnetError('ENOCLUSTER', `cluster "${cluster}" is not running (${why}); start it with: podnet up${clusterOption(cluster)}`);
  const noSocket = () => notRunning(`no API socket at ${paths.socket}`);
  /**
   * A daemon that crashed (or was killed with -9) leaves its socket file:
   * connecting to it is refused (ECONNREFUSED), and once the file is gone
   * too (ENOENT) it is the case above. Both become the one line that says
   * what to do, not the connect error. The message is matched, not only the
   * code, because the CLI's pipelining pool reports the requests queued
   * behind a refused connect with the connect error in its text.
   */
  const translate = (err: unknown): unknown => {
    const message = (err as Error | undefined)?.message ?? '';
    if (message.includes(`ECONNREFUSED ${paths.socket}`)) return notRunning(`nothing listens on its API socket ${paths.socket}: its daemon has stopped`);
    if (message.includes(`ENOENT ${paths.socket}`)) return noSocket();
    return err;
  };
  let client: Client | undefined;
  return {
    cluster,
    paths,
    client() {
      if (!existsSync(paths.socket)) throw noSocket();
      // lean: a CLI process sends requests and watches only (no streaming answers but watches)
      client ??= new NotRunningErrors(new HttpClient({ socketPath: paths.socket, lean: true, onWarning: printWarningOnce() }), translate);
      return client;
    },
    ready() {
      if (!existsSync(paths.socket)) return Promise.reject(noSocket());
      return new Promise((resolve, reject) => {
        const socket = net.connect(paths.socket);
        socket.once('connect', () => { socket.destroy(); resolve(); });
        socket.once('error', (err) => reject(translate(err)));
      });
    },
  };
}

/** The client with its connection errors to a stopped daemon turned into ENOCLUSTER (see translate above). */
class NotRunningErrors implements Client {
  constructor(private readonly inner: Client, private readonly translate: (err: unknown) => unknown) {}

  private async call<T>(request: Promise<T>): Promise<T> {
    try { return await request; } catch (err) { throw this.translate(err); }
  }

  get: Client['get'] = (plural, namespace, name) => this.call(this.inner.get(plural, namespace, name));
  list: Client['list'] = (plural, namespace, options) => this.call(this.inner.list(plural, namespace, options));
  create: Client['create'] = (obj, options) => this.call(this.inner.create(obj, options));
  update: Client['update'] = (obj, options) => this.call(this.inner.update(obj, options));
  patch: Client['patch'] = (plural, namespace, name, patch, options) => this.call(this.inner.patch(plural, namespace, name, patch, options));
  delete: Client['delete'] = (plural, namespace, name, options) => this.call(this.inner.delete(plural, namespace, name, options));
  watch: Client['watch'] = (plural, namespace, options, onEvent) => {
    const handle = this.inner.watch(plural, namespace, options, onEvent);
    const done = this.call(handle.done);
    // as unhandled as the inner promise was before it got this handler: whoever waits for done still sees the rejection
    done.catch(() => undefined);
    return { stop: () => handle.stop(), done } satisfies WatchHandle;
  };
}

/** kubectl's warning writer: `Warning: TEXT` on stderr, each text once per command. */
function printWarningOnce(): (text: string) => void {
  const seen = new Set<string>();
  return (text) => {
    if (seen.has(text)) return;
    seen.add(text);
    process.stderr.write(`Warning: ${text}\n`);
  };
}
