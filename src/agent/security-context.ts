// A container's securityContext, as the kubelet reads it and runc applies it:
// the identity its process runs with (user, primary group, supplementary
// groups), no_new_privs, the runAsNonRoot check, and which of the other
// settings podnet does not enforce. Pure but for readPodUsers, which reads
// the pod root's /etc/passwd and /etc/group.
//
// Host programs have no image, so no image USER: a container that sets no
// runAsUser runs as root (uid 0), as an image without USER does. The
// account database is the pod root's (its lower layer is the machine's
// root), which is where a runtime looks, in the container's root.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Container, Pod } from '../api/types.js';

/** util-linux's setpriv(1): changes ids and groups, then execs. By its path: a container's PATH may lack /usr/bin. */
export const SETPRIV = '/usr/bin/setpriv';

/** The ids a container's process (and everything exec'd in it) runs with. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  /** the supplementary groups, the primary group first (setgroups(2)'s list) */
  groups: number[];
  /** prctl(PR_SET_NO_NEW_PRIVS): allowPrivilegeEscalation false */
  noNewPrivs: boolean;
}

/** the texts of the pod root's /etc/passwd and /etc/group ('' where it has none) */
export interface UserDatabase { passwd: string; group: string }

interface SecurityContextFields {
  runAsUser?: unknown;
  runAsGroup?: unknown;
  runAsNonRoot?: unknown;
  allowPrivilegeEscalation?: unknown;
  privileged?: unknown;
  readOnlyRootFilesystem?: unknown;
  procMount?: unknown;
  capabilities?: { add?: unknown; drop?: unknown };
  seLinuxOptions?: unknown;
  seccompProfile?: { type?: unknown };
  appArmorProfile?: { type?: unknown };
  supplementalGroups?: unknown;
  supplementalGroupsPolicy?: unknown;
  fsGroup?: unknown;
  fsGroupChangePolicy?: unknown;
  sysctls?: unknown;
}

/** a pod's or a container's securityContext, as fields to check one by one ({} without one) */
function contextFields(sc: unknown): SecurityContextFields {
  return sc && typeof sc === 'object' ? sc as SecurityContextFields : {};
}

const podContext = (pod: Pod) => contextFields(pod.spec.securityContext);
const containerContext = (c: Container) => contextFields(c.securityContext);

/** an id as the API allows it (0 to 2^31-1); anything else counts as unset */
function id(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff ? value : undefined;
}

/** What applies to one container: its own field where it sets one, else the pod's (securitycontext.DetermineEffectiveSecurityContext). */
export interface EffectiveSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot: boolean;
  /** the pod's supplementalGroups (only the pod has them) */
  supplementalGroups: number[];
  /** the pod's fsGroup, which the kubelet also hands the container as a supplementary group */
  fsGroup?: number;
  /** Strict: no groups from the pod root's /etc/group (KEP-3619); Merge, the default, adds them */
  strictGroups: boolean;
  noNewPrivs: boolean;
}

export function effectiveSecurityContext(pod: Pod, c: Container): EffectiveSecurityContext {
  const p = podContext(pod);
  const own = containerContext(c);
  const runAsUser = id(own.runAsUser) ?? id(p.runAsUser);
  const runAsGroup = id(own.runAsGroup) ?? id(p.runAsGroup);
  const runAsNonRoot = typeof own.runAsNonRoot === 'boolean' ? own.runAsNonRoot : p.runAsNonRoot === true;
  const supplementalGroups = Array.isArray(p.supplementalGroups) ? p.supplementalGroups.map(id).filter((g): g is number => g !== undefined) : [];
  const fsGroup = id(p.fsGroup);
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}), ...(runAsGroup !== undefined ? { runAsGroup } : {}), runAsNonRoot, supplementalGroups,
    ...(fsGroup !== undefined ? { fsGroup } : {}), strictGroups: p.supplementalGroupsPolicy === 'Strict',
    // only an explicit false asks for it (securitycontext.AddNoNewPrivileges)
    noNewPrivs: own.allowPrivilegeEscalation === false,
  };
}

/** The pod's fsGroup and how its volumes' ownership is changed; undefined without one. */
export function podFsGroup(pod: Pod): { fsGroup: number; onRootMismatch: boolean } | undefined {
  const p = podContext(pod);
  const fsGroup = id(p.fsGroup);
  return fsGroup === undefined ? undefined : { fsGroup, onRootMismatch: p.fsGroupChangePolicy === 'OnRootMismatch' };
}

/**
 * The kubelet's verifyRunAsNonRoot, in its words: undefined when the
 * container may start. `podDescription` is its format.Pod, `<name>_<namespace>(<uid>)`.
 */
export function nonRootViolation(pod: Pod, c: Container, podDescription: string): string | undefined {
  const sc = effectiveSecurityContext(pod, c);
  if (!sc.runAsNonRoot) return undefined;
  if (sc.runAsUser === 0) return `container's runAsUser breaks non-root policy (pod: "${podDescription}", container: ${c.name})`;
  // no runAsUser: the image's user, which for a host program is root
  if (sc.runAsUser === undefined) return `container has runAsNonRoot and image will run as root (pod: "${podDescription}", container: ${c.name})`;
  return undefined;
}

interface Account { name: string; uid: number; gid: number }

/** the first passwd(5) line with this uid, as a runtime's user lookup takes it */
function accountOf(passwd: string, uid: number): Account | undefined {
  for (const line of passwd.split('\n')) {
    const [name, , u, g] = line.split(':');
    if (!name || line.startsWith('#') || u === undefined || g === undefined) continue;
    if (Number(u) === uid && /^\d+$/.test(u) && /^\d+$/.test(g)) return { name, uid, gid: Number(g) };
  }
  return undefined;
}

/** the groups of group(5) that list `name` as a member (not the one merely named after the user) */
function membershipsOf(group: string, name: string): number[] {
  const gids: number[] = [];
  for (const line of group.split('\n')) {
    const [groupName, , g, members] = line.split(':');
    if (!groupName || line.startsWith('#') || g === undefined || !/^\d+$/.test(g) || groupName === name) continue;
    if ((members ?? '').split(',').map((m) => m.trim()).includes(name)) gids.push(Number(g));
  }
  return gids;
}

/**
 * The ids the container runs with, as containerd hands them to runc: uid
 * runAsUser (root without one); gid runAsGroup, else the account's primary
 * group in the pod root's passwd, else 0 (runc's default for a uid that has
 * no entry); supplementary groups the gid first, then the account's
 * memberships in group(5) (not under supplementalGroupsPolicy Strict), the
 * fsGroup, then supplementalGroups, each once. Undefined when the container
 * asks for none of it: it runs as the agent does, root. `users` is read
 * only when the account is looked up.
 */
export function containerIdentity(pod: Pod, c: Container, users: () => UserDatabase): ProcessIdentity | undefined {
  const sc = effectiveSecurityContext(pod, c);
  const asked = sc.runAsUser !== undefined || sc.runAsGroup !== undefined || sc.supplementalGroups.length > 0 || sc.fsGroup !== undefined || sc.noNewPrivs;
  if (!asked) return undefined;
  const uid = sc.runAsUser ?? 0;
  const db = users();
  const account = accountOf(db.passwd, uid);
  const gid = sc.runAsGroup ?? account?.gid ?? 0;
  const memberships = account && !sc.strictGroups ? membershipsOf(db.group, account.name) : [];
  const groups = [...new Set([gid, ...memberships, ...(sc.fsGroup !== undefined ? [sc.fsGroup] : []), ...sc.supplementalGroups])];
  return { uid, gid, groups, noNewPrivs: sc.noNewPrivs };
}

/** The pod root's account database, seen at `root` (`/proc/PAUSE/root`, or `/` for a pod on the machine's root). */
export function readPodUsers(root: string): UserDatabase {
  const read = (file: string) => { try { return readFileSync(path.join(root, 'etc', file), 'utf8'); } catch { return ''; } };
  return { passwd: read('passwd'), group: read('group') };
}

/** setpriv's argv before the command: every uid and gid (real, effective, saved), the groups, and no_new_privs where asked. */
export function setprivArgv(identity: ProcessIdentity): string[] {
  return [SETPRIV, `--reuid=${identity.uid}`, `--regid=${identity.gid}`, `--groups=${identity.groups.join(',')}`, ...(identity.noNewPrivs ? ['--no-new-privs'] : []), '--'];
}

/** cmd run with `identity` (as it is without one) */
export function asIdentity(identity: ProcessIdentity | undefined, cmd: readonly string[]): string[] {
  return identity ? [...setprivArgv(identity), ...cmd] : [...cmd];
}

/**
 * Every securityContext setting of the pod that asks for more than podnet
 * does, as `field=value` with its field path: capabilities, privileged,
 * seccomp, AppArmor, SELinux, a read-only root, procMount and sysctls are
 * not applied. capabilities.drop counts only for a container that runs as
 * root: a process whose uids all leave 0 has no capabilities left
 * (capabilities(7)), so what it drops is dropped. windowsOptions is not
 * listed: a Linux kubelet ignores it too.
 */
export function unenforcedSecurityFields(pod: Pod): string[] {
  const found: string[] = [];
  const profile = (at: string, value: { type?: unknown } | undefined) => {
    if (value && typeof value === 'object' && value.type !== undefined && value.type !== 'Unconfined') found.push(`${at}.type=${String(value.type)}`);
  };
  const common = (at: string, sc: SecurityContextFields) => {
    if (sc.seLinuxOptions && typeof sc.seLinuxOptions === 'object' && Object.keys(sc.seLinuxOptions).length > 0) found.push(`${at}.seLinuxOptions=${JSON.stringify(sc.seLinuxOptions)}`);
    profile(`${at}.seccompProfile`, sc.seccompProfile);
    profile(`${at}.appArmorProfile`, sc.appArmorProfile);
  };
  const p = podContext(pod);
  common('spec.securityContext', p);
  if (Array.isArray(p.sysctls) && p.sysctls.length > 0) found.push(`spec.securityContext.sysctls=${(p.sysctls as { name?: unknown }[]).map((s) => String(s?.name)).join(',')}`);
  const containers: [string, Container[]][] = [['initContainers', pod.spec.initContainers ?? []], ['containers', pod.spec.containers]];
  for (const [list, cs] of containers) {
    for (const [i, c] of cs.entries()) {
      const at = `spec.${list}[${i}].securityContext`;
      const sc = containerContext(c);
      if (sc.privileged === true) found.push(`${at}.privileged=true`);
      if (sc.readOnlyRootFilesystem === true) found.push(`${at}.readOnlyRootFilesystem=true`);
      if (sc.procMount !== undefined && sc.procMount !== 'Default') found.push(`${at}.procMount=${String(sc.procMount)}`);
      const add = sc.capabilities?.add;
      if (Array.isArray(add) && add.length > 0) found.push(`${at}.capabilities.add=${add.join(',')}`);
      const drop = sc.capabilities?.drop;
      if (Array.isArray(drop) && drop.length > 0 && (effectiveSecurityContext(pod, c).runAsUser ?? 0) === 0) found.push(`${at}.capabilities.drop=${drop.join(',')}`);
      common(at, sc);
    }
  }
  return found;
}
