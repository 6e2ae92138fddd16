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
  /**
   * One log file per container instance, as the kubelet keeps them
   * (/var/log/pods/<ns>_<name>_<uid>/<container>/<restartCount>.log): `logs`
   * shows the current instance and `logs --previous` the one before, which a
   * single appended file could only tell apart by offsets that a forked child
   * still writing to the old descriptor would scramble.
   */
  log(container: string, restartCount: number): string;
  /** the single appended file per container that agents before per-instance logs wrote */
  legacyLog(container: string): string;
  /** pid of a running container process */
  containerPid(container: string): string;
  /** the environment the container's current instance was started with (JSON, 0600: it may hold Secrets), for exec */
  containerEnv(container: string): string;
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
    log: (c, n) => path.join(dir, 'logs', c, `${n}.log`),
    legacyLog: (c) => path.join(dir, `${c}.log`),
    containerPid: (c) => path.join(dir, `${c}.pid`),
    containerEnv: (c) => path.join(dir, `${c}.env.json`),
  };
}
