import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Container, Pod } from '../../../src/api/types.js';
import {
  asIdentity, containerIdentity, effectiveSecurityContext, nonRootViolation, podFsGroup, readPodUsers, SETPRIV, setprivArgv, unenforcedSecurityFields, type UserDatabase,
} from '../../../src/agent/security-context.js';

function pod(podSc: Record<string, unknown> | undefined, containerSc?: Record<string, unknown>, more: Partial<Container> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { ...(podSc ? { securityContext: podSc } : {}), containers: [{ name: 'c', image: 'none', ...(containerSc ? { securityContext: containerSc } : {}), ...more }] },
  };
}

/** a pod root's accounts: root, postgres (1000, primary group 1000, member of ssl-cert and video), nobody */
const users: UserDatabase = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\n# a comment\npostgres:x:1000:1000::/var/lib/postgresql:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  group: 'root:x:0:\nvideo:x:44:postgres\nssl-cert:x:110:nobody,postgres\npostgres:x:1000:postgres\nnogroup:x:65534:\n',
};
const noUsers: UserDatabase = { passwd: '', group: '' };

test('the container\'s own fields override the pod\'s; supplementalGroups and fsGroup are the pod\'s; allowPrivilegeEscalation only when false', () => {
  const p = pod({ runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true, supplementalGroups: [4000], fsGroup: 2000 }, { runAsUser: 2000, runAsNonRoot: false, allowPrivilegeEscalation: false });
  assert.deepEqual(effectiveSecurityContext(p, p.spec.containers[0]!), {
    runAsUser: 2000, runAsGroup: 3000, runAsNonRoot: false, supplementalGroups: [4000], fsGroup: 2000, strictGroups: false, noNewPrivs: true,
  });
  const bare = pod(undefined, { allowPrivilegeEscalation: true });
  assert.deepEqual(effectiveSecurityContext(bare, bare.spec.containers[0]!), { runAsNonRoot: false, supplementalGroups: [], strictGroups: false, noNewPrivs: false });
});

test('the identity a container runs with, as containerd hands it to runc', () => {
  const rows: [string, Record<string, unknown> | undefined, Record<string, unknown> | undefined, UserDatabase, ReturnType<typeof containerIdentity>][] = [
    ['nothing asked: root, as the agent', undefined, undefined, users, undefined],
    ['the docs\' task: uid, gid, fsGroup first among the groups after the gid, then supplementalGroups',
      { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] }, undefined, noUsers, { uid: 1000, gid: 3000, groups: [3000, 2000, 4000], noNewPrivs: false }],
    ['runAsUser alone with no passwd entry: gid 0 (runc\'s default)', { runAsUser: 1234 }, undefined, users, { uid: 1234, gid: 0, groups: [0], noNewPrivs: false }],
    ['runAsUser alone with an entry: its primary group, and the groups that list it', { runAsUser: 1000 }, undefined, users, { uid: 1000, gid: 1000, groups: [1000, 44, 110], noNewPrivs: false }],
    ['supplementalGroupsPolicy Strict: none from /etc/group', { runAsUser: 1000, supplementalGroupsPolicy: 'Strict', supplementalGroups: [5] }, undefined, users, { uid: 1000, gid: 1000, groups: [1000, 5], noNewPrivs: false }],
    ['runAsGroup without runAsUser: root with that group', { runAsGroup: 3000 }, undefined, users, { uid: 0, gid: 3000, groups: [3000], noNewPrivs: false }],
    ['fsGroup alone: root, with fsGroup as a supplementary group', { fsGroup: 2000 }, undefined, users, { uid: 0, gid: 0, groups: [0, 2000], noNewPrivs: false }],
    ['a group given twice is listed once', { runAsUser: 1, runAsGroup: 7, fsGroup: 7, supplementalGroups: [7, 8] }, undefined, noUsers, { uid: 1, gid: 7, groups: [7, 8], noNewPrivs: false }],
    ['allowPrivilegeEscalation false alone: root, no_new_privs', undefined, { allowPrivilegeEscalation: false }, users, { uid: 0, gid: 0, groups: [0], noNewPrivs: true }],
    ['the container\'s runAsUser over the pod\'s', { runAsUser: 1000 }, { runAsUser: 65534 }, users, { uid: 65534, gid: 65534, groups: [65534, 110], noNewPrivs: false }],
    ['ids the API would refuse count as unset', { runAsUser: -1, runAsGroup: 'x' }, undefined, users, undefined],
  ];
  for (const [what, podSc, containerSc, db, want] of rows) {
    const p = pod(podSc, containerSc);
    assert.deepEqual(containerIdentity(p, p.spec.containers[0]!, () => db), want, what);
  }
});

test('the account database is read only when an id must be looked up', () => {
  let reads = 0;
  const p = pod({ runAsUser: 1000, runAsGroup: 3000 });
  containerIdentity(pod(undefined), pod(undefined).spec.containers[0]!, () => { reads++; return users; });
  assert.equal(reads, 0);
  containerIdentity(p, p.spec.containers[0]!, () => { reads++; return users; });
  assert.equal(reads, 1);
});

test('runAsNonRoot refuses root in the kubelet\'s words', () => {
  const desc = 'p_ns(u1)';
  const check = (podSc: Record<string, unknown> | undefined, containerSc?: Record<string, unknown>) => { const p = pod(podSc, containerSc); return nonRootViolation(p, p.spec.containers[0]!, desc); };
  assert.equal(check({ runAsNonRoot: true }), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
  assert.equal(check({ runAsNonRoot: true, runAsUser: 0 }), 'container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)');
  assert.equal(check({ runAsNonRoot: true, runAsUser: 1000 }), undefined);
  assert.equal(check(undefined, { runAsNonRoot: true, runAsUser: 1000 }), undefined);
  assert.equal(check({ runAsNonRoot: true }, { runAsNonRoot: false }), undefined);
  assert.equal(check({ runAsUser: 0 }), undefined);
});

test('podFsGroup: the group and whether OnRootMismatch skips a volume already owned', () => {
  assert.equal(podFsGroup(pod(undefined)), undefined);
  assert.deepEqual(podFsGroup(pod({ fsGroup: 2000 })), { fsGroup: 2000, onRootMismatch: false });
  assert.deepEqual(podFsGroup(pod({ fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' })), { fsGroup: 2000, onRootMismatch: true });
});

test('setpriv sets every uid and gid and the groups; no_new_privs only when asked; nothing without an identity', () => {
  assert.deepEqual(setprivArgv({ uid: 1000, gid: 3000, groups: [3000, 2000], noNewPrivs: true }), [SETPRIV, '--reuid=1000', '--regid=3000', '--groups=3000,2000', '--no-new-privs', '--']);
  assert.deepEqual(asIdentity({ uid: 0, gid: 0, groups: [0], noNewPrivs: false }, ['id']), [SETPRIV, '--reuid=0', '--regid=0', '--groups=0', '--', 'id']);
  assert.deepEqual(asIdentity(undefined, ['id']), ['id']);
});

test('readPodUsers reads the root\'s /etc/passwd and /etc/group, and empty text where there are none', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'podnet-users-'));
  try {
    assert.deepEqual(readPodUsers(root), { passwd: '', group: '' });
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc', 'passwd'), users.passwd);
    writeFileSync(path.join(root, 'etc', 'group'), users.group);
    assert.deepEqual(readPodUsers(root), users);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('the settings podnet does not enforce, by field path; their no-op values and what is enforced are not listed', () => {
  const p: Pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
    spec: {
      securityContext: { runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], windowsOptions: { runAsUserName: 'x' } },
      initContainers: [{ name: 'init', image: 'none', securityContext: { runAsUser: 0, capabilities: { drop: ['ALL'] }, privileged: true } }],
      containers: [
        { name: 'web', image: 'none', securityContext: { readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, allowPrivilegeEscalation: false, procMount: 'Default' } },
        { name: 'quiet', image: 'none', securityContext: { readOnlyRootFilesystem: false, seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { level: 's0:c1' } } },
      ],
    },
  };
  assert.deepEqual(unenforcedSecurityFields(p), [
    'spec.securityContext.seccompProfile.type=RuntimeDefault',
    'spec.securityContext.sysctls=net.core.somaxconn',
    'spec.initContainers[0].securityContext.privileged=true',
    // root keeps its capabilities: what it drops is not dropped
    'spec.initContainers[0].securityContext.capabilities.drop=ALL',
    'spec.containers[0].securityContext.readOnlyRootFilesystem=true',
    // a non-root process has no capabilities left: drop ALL holds, add does not
    'spec.containers[0].securityContext.capabilities.add=NET_ADMIN',
    'spec.containers[1].securityContext.seLinuxOptions={"level":"s0:c1"}',
    'spec.containers[1].securityContext.appArmorProfile.type=RuntimeDefault',
  ]);
  assert.deepEqual(unenforcedSecurityFields(pod({ runAsUser: 1000, runAsNonRoot: true }, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })), []);
});
