// What every command needs: which cluster, its files, and a client to it.

import { existsSync } from 'node:fs';
import { clusterName, clusterPaths, CLUSTER_NAME_PATTERN, type ClusterPaths } from '../config.js';
import { HttpClient } from '../client/http-client.js';
import type { Client } from '../client/client.js';
import { PodnetError } from '../errors.js';

export interface Context {
  cluster: string;
  paths: ClusterPaths;
  client(): Client;
}

export function context(flag?: string): Context {
  const cluster = clusterName(flag);
  if (!CLUSTER_NAME_PATTERN.test(cluster)) {
    throw new PodnetError('EUSAGE', `invalid cluster name "${cluster}": use 1-16 lower-case letters, digits or '-', starting and ending with a letter or digit`);
  }
  const paths = clusterPaths(cluster);
  let client: Client | undefined;
  return {
    cluster,
    paths,
    client() {
      if (!existsSync(paths.socket)) throw new PodnetError('ENOCLUSTER', `cluster "${cluster}" is not running (no API socket at ${paths.socket}); start it with: podnet up${cluster === 'podnet' ? '' : ` --cluster ${cluster}`}`);
      // lean: a CLI process sends requests and watches only (no streaming answers but watches)
      client ??= new HttpClient({ socketPath: paths.socket, lean: true, onWarning: printWarningOnce() });
      return client;
    },
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
