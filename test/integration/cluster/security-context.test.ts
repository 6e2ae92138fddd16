// A pod's securityContext and its subPath mounts on a real node agent: the
// container's process, its exec probe and its postStart hook run with
// runAsUser, runAsGroup, fsGroup and supplementalGroups (setpriv), with
// no_new_privs for allowPrivilegeEscalation false; the emptyDir and the
// configMap volume belong to the fsGroup, so the user reads a 0400 key and
// writes in a subPath directory; runAsNonRoot refuses root in the kubelet's
// words; what podnet does not enforce is one Warning event; and a
// container restarted after its ConfigMap changed reads the new key through
// its subPath mount (the volumes probe's repro).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Event, Pod } from '../../../src/api/types.js';
import { podFiles } from '../../../src/agent/pod-files.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itsec';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itsec-'));
const pn = podnet(CLUSTER, stateDir);
/** mount points a non-root container can reach: mkdtemp's 0700 directory is opened up */
const mnt = mkdtempSync(path.join(tmpdir(), 'podnet-itsec-mnt-'));
const at = (name: string) => path.join(mnt, name);

const IDS = `
apiVersion: v1
kind: ConfigMap
metadata: {name: ids-config}
data: {k: for-the-group}
---
apiVersion: v1
kind: Pod
metadata: {name: ids}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000]}
  containers:
    - name: main
      image: none
      command: [sh, -c, 'echo "ids=$(id -u) $(id -g) $(id -G)"; grep NoNewPrivs /proc/self/status; echo "config=$(cat ${at('cfg')}/k)"; touch ${at('data')}/made && echo "made=$(stat -c "%u %g" ${at('data')}/made)"; echo x > ${at('work')}/out && echo wrote; exec sleep infinity']
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {add: [NET_ADMIN]}}
      readinessProbe: {exec: {command: [sh, -c, 'test "$(id -u) $(id -G)" = "1000 3000 2000 4000"']}, periodSeconds: 1}
      lifecycle: {postStart: {exec: {command: [sh, -c, 'id -u > ${at('data')}/hook-uid']}}}
      volumeMounts:
        - {name: data, mountPath: ${at('data')}}
        - {name: data, mountPath: ${at('work')}, subPath: work}
        - {name: cfg, mountPath: ${at('cfg')}}
  volumes:
    - {name: data, emptyDir: {}}
    - {name: cfg, configMap: {name: ids-config, defaultMode: 0400}}
---
apiVersion: v1
kind: Pod
metadata: {name: root-refused}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: main, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: uid-zero}
spec:
  containers: [{name: main, image: none, command: [sleep, infinity], securityContext: {runAsNonRoot: true, runAsUser: 0}}]
`;

/** the volumes probe's repro (/work/probes/prvol/envr.yaml), its mount point where a test may make it */
const ENVR = (value: string) => `
apiVersion: v1
kind: ConfigMap
metadata: {name: envc}
data: {V: "${value}", app.conf: "${value}"}
---
apiVersion: v1
kind: Pod
metadata: {name: envr}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: ["sh","-c","echo V=$V file=$(cat ${at('app.conf')}); exec sleep 3601"]
    env: [{name: V, valueFrom: {configMapKeyRef: {name: envc, key: V}}}]
    volumeMounts: [{name: c, mountPath: ${at('app.conf')}, subPath: app.conf}]
  volumes: [{name: c, configMap: {name: envc}}]
`;

async function getPod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

async function eventsFor(name: string): Promise<Event[]> {
  const r = await pn(['get', 'events', '-o', 'json']);
  return (JSON.parse(r.stdout) as { items: Event[] }).items.filter((e) => e.involvedObject.name === name);
}

/** the current instance's log once it has `lines` lines */
async function logLines(pod: string, lines: number): Promise<string[]> {
  return eventually(`${lines} lines of ${pod}'s log`, async () => {
    const out = (await pn(['logs', pod])).stdout.trim().split('\n');
    return out.length >= lines ? out : undefined;
  }, 30_000, 200);
}

describe('securityContext and subPath mounts on the node agent', { timeout: 240_000 }, () => {
  before(async () => {
    chmodSync(mnt, 0o755);
    for (const d of ['data', 'work', 'cfg']) mkdirSync(at(d));
    writeFileSync(at('app.conf'), 'the machine\'s own file\n');
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const r = await pn(['apply', '-f', '-'], { input: IDS });
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(mnt, { recursive: true, force: true });
  });

  test('the container runs as runAsUser with runAsGroup, fsGroup and supplementalGroups, and no_new_privs; fsGroup\'s volumes are its to read and write', async () => {
    assert.deepEqual(await logLines('ids', 5), [
      'ids=1000 3000 3000 2000 4000',
      'NoNewPrivs:\t1',
      // the key is 0400: readable through the group fsGroup gave it (0440)
      'config=for-the-group',
      // the emptyDir is set-group-ID: what the user makes there is fsGroup's
      'made=1000 2000',
      // a subPath directory is made with the volume root's mode (0777 | set-group-ID)
      'wrote',
    ]);
  });

  test('the exec readiness probe, the postStart hook and exec run as the container\'s user', async () => {
    await eventually('ids Ready (its probe checks its ids)', async () => (await getPod('ids')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 30_000, 200);
    assert.equal(readFileSync(path.join(stateDir, CLUSTER, 'pods', (await getPod('ids')).metadata.uid!, 'volumes', 'data', 'hook-uid'), 'utf8'), '1000\n');
    // and so does podnet exec (and kubectl exec, through the same API path)
    const ids = await pn(['exec', 'ids', '--', 'sh', '-c', 'echo "$(id -u) $(id -G)"']);
    assert.equal(ids.stdout, '1000 3000 2000 4000\n', ids.stderr);
    const viaKubectl = await pn(['kubectl', 'exec', 'ids', '--', 'id', '-u']);
    if (viaKubectl.code === 0) assert.equal(viaKubectl.stdout, '1000\n');
  });

  test('what podnet does not enforce is said once, in one Warning event', async () => {
    const warned = await eventually('the warning', async () => (await eventsFor('ids')).filter((e) => e.reason === 'UnsupportedSecurityContext'));
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.type, 'Warning');
    assert.equal(warned[0]!.message, 'podnet does not enforce these securityContext settings, which the pod\'s containers run without: spec.containers[0].securityContext.readOnlyRootFilesystem=true, spec.containers[0].securityContext.capabilities.add=NET_ADMIN');
  });

  test('runAsNonRoot: a container that would run as root waits in CreateContainerConfigError, in the kubelet\'s words', async () => {
    for (const [name, words] of [['root-refused', 'container has runAsNonRoot and image will run as root'], ['uid-zero', 'container\'s runAsUser breaks non-root policy']] as const) {
      const waiting = await eventually(`${name} refused`, async () => {
        const p = await getPod(name);
        const w = p.status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'CreateContainerConfigError' ? { p, w } : undefined;
      });
      const message = `${words} (pod: "${name}_default(${waiting.p.metadata.uid})", container: main)`;
      assert.equal(waiting.w.message, message);
      const failed = await eventually(`${name}'s Failed event`, async () => (await eventsFor(name)).find((e) => e.reason === 'Failed'));
      assert.equal(failed.message, `Error: ${message}`);
    }
  });

  test('a container restarted after its ConfigMap changed reads the new key through its subPath mount, as its environment does', async () => {
    const created = await pn(['apply', '-f', '-'], { input: ENVR('one') });
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(await logLines('envr', 1), ['V=one file=one']);
    const changed = await pn(['apply', '-f', '-'], { input: ENVR('two') });
    assert.equal(changed.code, 0, changed.stderr);
    const pod = await getPod('envr');
    const pid = Number(readFileSync(podFiles(path.join(stateDir, CLUSTER, 'pods'), pod.metadata.uid!).containerPid('c'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually('envr restarted', async () => {
      const s = (await getPod('envr')).status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state?.running;
    }, 30_000, 200);
    assert.deepEqual(await logLines('envr', 1), ['V=two file=two']);
    assert.equal(readFileSync(at('app.conf'), 'utf8'), 'the machine\'s own file\n');
  });
});
