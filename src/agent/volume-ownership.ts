// A pod's fsGroup on its volumes, as the kubelet's SetVolumeOwnership does
// it (pkg/volume/volume_linux.go): every file and directory of the volume
// gets the group fsGroup (its owner kept), group read (and write, for a
// volume the pod may write) on top of its mode, and each directory group
// search and the set-group-ID bit, so what a container creates there later
// belongs to fsGroup too. Symbolic links are left alone: chown and chmod
// would reach what they point to (the atomic writer's ..data and top-level
// links lead to the volume's own files, which the walk changes anyway).

import { chmodSync, chownSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** what a volume the pod may write adds: rw for the owner and the group */
const READ_WRITE = 0o660;
/** what a read-only one (configMap, secret, downwardAPI, projected) adds: r for the owner and the group */
const READ_ONLY = 0o440;
/** a directory's search bit for the owner and the group */
const SEARCH = 0o110;
const SET_GROUP_ID = 0o2000;
const PERMISSION_BITS = 0o7777;

/** The mode a file or directory has once its volume is owned by fsGroup. */
export function ownedMode(mode: number, directory: boolean, readOnly: boolean): number {
  return (mode & PERMISSION_BITS) | (readOnly ? READ_ONLY : READ_WRITE) | (directory ? SET_GROUP_ID | SEARCH : 0);
}

/**
 * Whether the volume's root already is as ownership leaves it (group
 * fsGroup, the mode bits set, set-group-ID): fsGroupChangePolicy
 * OnRootMismatch then skips the walk, as upstream's requiresPermissionChange.
 */
function rootIsOwned(dir: string, fsGroup: number, readOnly: boolean): boolean {
  let s: Stats;
  try { s = statSync(dir); } catch { return false; }
  if (!s.isDirectory() || s.gid !== fsGroup) return false;
  const want = ownedMode(0, true, readOnly);
  return (s.mode & want) === want;
}

/**
 * Gives `dir` and everything below it to fsGroup. With `onRootMismatch`,
 * nothing is done when the root already is (the rest is taken to follow).
 * An entry that cannot be changed is passed over, as the kubelet logs it
 * and goes on; one gone meanwhile too.
 */
export function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean, onRootMismatch = false): void {
  if (onRootMismatch && rootIsOwned(dir, fsGroup, readOnly)) return;
  const visit = (at: string) => {
    let s: Stats;
    try { s = lstatSync(at); } catch { return; }
    if (s.isSymbolicLink()) return;
    if (s.isDirectory()) for (const name of readdirSync(at)) visit(path.join(at, name));
    try {
      chownSync(at, s.uid, fsGroup);
      // after chown, which clears a file's set-id bits
      chmodSync(at, ownedMode(s.mode, s.isDirectory(), readOnly));
    } catch { /* passed over */ }
  };
  visit(dir);
}
