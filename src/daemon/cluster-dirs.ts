// The directories of a cluster's state that its processes write into: made
// before the first of them starts (the daemon's entry point may start the node
// agents before the daemon itself is loaded).

import { mkdirSync } from 'node:fs';
import type { ClusterPaths } from '../config.js';

export function makeClusterDirs(paths: ClusterPaths): void {
  for (const dir of [paths.dir, paths.pods, paths.ipam, paths.cniConf, paths.procs]) mkdirSync(dir, { recursive: true });
}
