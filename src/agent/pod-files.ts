// Where the node agent keeps each pod's files. The CLI reads the same paths
// for `logs` and `exec`, so this module is their contract.

import path from 'node:path';

export interface PodFiles {
  dir: string;
  /** pid of the sandbox ("pause") process that holds the pod's namespaces */
  sandboxPid: string;
  resolvConf: string;
  hostname: string;
  /** the pause process's bind mounts (fstab format, for `mount --fstab FILE -a`) */
  mountTable: string;
  /** JSON with the CNI result and what the agent needs to re-adopt the pod */
  state: string;
  log(container: string): string;
  /** pid of a running container process */
  containerPid(container: string): string;
}

export function podFiles(podsDir: string, uid: string): PodFiles {
  const dir = path.join(podsDir, uid);
  return {
    dir,
    sandboxPid: path.join(dir, 'sandbox.pid'),
    resolvConf: path.join(dir, 'resolv.conf'),
    hostname: path.join(dir, 'hostname'),
    mountTable: path.join(dir, 'mounts.fstab'),
    state: path.join(dir, 'state.json'),
    log: (c) => path.join(dir, `${c}.log`),
    containerPid: (c) => path.join(dir, `${c}.pid`),
  };
}
