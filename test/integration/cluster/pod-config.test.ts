// What a pod reads from its ConfigMaps, Secrets and its own fields, on a
// real node agent, checked from inside the pod with cat, stat, ls and sh:
// env from configMapKeyRef, secretKeyRef, envFrom and resourceFieldRef;
// configMap, secret, downwardAPI and projected volumes with the kubelet's
// layout, modes and read-only mounts, following a changed ConfigMap or
// label while the pod runs; a missing ConfigMap holding the container
// (CreateContainerConfigError) or the pod (FailedMount) until it is created;
// hostPath; and a StatefulSet's claim outliving its pod.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Event, Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itcfg';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcfg-'));
const pn = podnet(CLUSTER, stateDir);
/** mount points: a pod has no image filesystem, so they must exist on the machine */
const mnt = path.join(stateDir, 'mnt');
const at = (name: string) => path.join(mnt, name);
const hostDir = path.join(stateDir, 'host-dir');

const CONFIG = `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  GREETING: hello
  LEVEL: debug
  app.conf: |
    listen 8080
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret, token: t0ken}
`;

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: consumer, labels: {app: consumer, tier: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: none
      command: [sh, -c, 'echo "greeting=$GREETING password=$PASSWORD level=$CFG_LEVEL cpu=$CPU_LIMIT mem=$MEM_MI optional=\${OPTIONAL-unset}"; exec sleep infinity']
      resources: {limits: {memory: 64Mi}}
      env:
        - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: GREETING}}}
        - {name: PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
        - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
        - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
        - {name: OPTIONAL, valueFrom: {configMapKeyRef: {name: not-there, key: x, optional: true}}}
      envFrom:
        - {prefix: CFG_, configMapRef: {name: app-config}}
      volumeMounts:
        - {name: config, mountPath: ${at('config')}}
        - {name: creds, mountPath: ${at('creds')}}
        - {name: info, mountPath: ${at('info')}}
        - {name: all, mountPath: ${at('all')}}
        - {name: config, mountPath: ${at('app.conf')}, subPath: app.conf}
        - {name: host, mountPath: ${at('host')}}
  volumes:
    - {name: config, configMap: {name: app-config}}
    - {name: creds, secret: {secretName: app-secret, items: [{key: password, path: db/password, mode: 0400}]}}
    - name: info
      downwardAPI:
        items:
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
          - {path: name, fieldRef: {fieldPath: metadata.name}}
    - name: all
      projected:
        sources:
          - configMap: {name: app-config, items: [{key: GREETING, path: greeting}]}
          - secret: {name: app-secret, items: [{key: token, path: token}]}
          - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
    - {name: host, hostPath: {path: ${hostDir}, type: DirectoryOrCreate}}
---
apiVersion: v1
kind: Pod
metadata: {name: args}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: none
      command: [sh, -c]
      args: ["echo 'expanded=$(GREETING) literal=$$(GREETING)'; exec sleep infinity"]
      env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: GREETING}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: retitled}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: none
      # a long process title overwrites the environment block, as NGINX's does
      command: [perl, -e, '$0 = "retitled " . ("x" x 4000); sleep 1000']
      env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: GREETING}}}]
---
apiVersion: v1
kind: Secret
metadata: {name: same-file}
stringData: {k: v}
---
apiVersion: v1
kind: Pod
metadata: {name: same-file}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: none, command: [sleep, infinity], volumeMounts: [{name: s, mountPath: ${at('same-file')}}]}]
  volumes: [{name: s, secret: {secretName: same-file}}]
---
apiVersion: v1
kind: Pod
metadata: {name: exported}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: none, command: [sleep, infinity], volumeMounts: [{name: kube-api-access-x7k2p, mountPath: ${at('sa')}, readOnly: true}]}]
  volumes:
    - name: kube-api-access-x7k2p
      projected:
        defaultMode: 420
        sources:
          - serviceAccountToken: {expirationSeconds: 3607, path: token}
          - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
          - downwardAPI: {items: [{fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}, path: namespace}]}
---
apiVersion: v1
kind: Pod
metadata: {name: waits-env}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: none
      command: [sh, -c, 'echo "later=$LATER"; exec sleep infinity']
      env: [{name: LATER, valueFrom: {configMapKeyRef: {name: later, key: value}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: waits-volume}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - {name: main, image: none, command: [sleep, infinity], volumeMounts: [{name: cfg, mountPath: ${at('later')}}]}
  volumes: [{name: cfg, configMap: {name: later-volume}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: db, image: none, command: [sleep, infinity], volumeMounts: [{name: data, mountPath: ${at('data')}}]}]
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

async function getPod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

async function running(name: string): Promise<Pod> {
  return eventually(`pod ${name} running`, async () => {
    const p = await getPod(name);
    return p.status?.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, 30_000, 200);
}

async function eventsFor(name: string): Promise<Event[]> {
  const r = await pn(['get', 'events', '-o', 'json']);
  return (JSON.parse(r.stdout) as { items: Event[] }).items.filter((e) => e.involvedObject.name === name);
}

/** a shell command's output inside the pod */
async function inPod(pod: string, script: string): Promise<string> {
  const r = await pn(['exec', pod, '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

describe('pod configuration: env and volumes from ConfigMaps, Secrets and the downward API', { timeout: 240_000 }, () => {
  before(async () => {
    for (const d of ['config', 'creds', 'info', 'all', 'host', 'later', 'data', 'same-file', 'sa']) mkdirSync(at(d), { recursive: true });
    writeFileSync(at('app.conf'), 'the machine\'s own file\n');
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const config = await pn(['apply', '-f', '-'], { input: CONFIG });
    assert.equal(config.code, 0, config.stderr);
    const pods = await pn(['apply', '-f', '-'], { input: PODS });
    assert.equal(pods.code, 0, pods.stderr);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('env: configMapKeyRef, secretKeyRef, envFrom with a prefix, resourceFieldRef (the node\'s allocatable without a limit), optional and missing', async () => {
    await running('consumer');
    const log = await eventually('the first line', async () => {
      const r = await pn(['logs', 'consumer']);
      return r.stdout.includes('\n') ? r.stdout.trim() : undefined;
    });
    assert.equal(log, 'greeting=hello password=s3cret level=debug cpu=2 mem=64 optional=unset');
  });

  test('command and args expand $(VAR) against the environment ($$ is a literal $), as the kubelet does', async () => {
    await running('args');
    const log = await eventually('its line', async () => (await pn(['logs', 'args'])).stdout.trim() || undefined);
    assert.equal(log, 'expanded=hello literal=$(GREETING)');
  });

  test('exec gets the container\'s environment even when its process rewrote /proc/PID/environ (a process title)', async () => {
    await running('retitled');
    assert.equal(await inPod('retitled', 'echo "$GREETING $KUBERNETES_SERVICE_HOST"'), 'hello 10.96.0.1\n');
  });

  test('a Secret applied in the same file as its pod: the pod starts with it, with no FailedMount on the way', async () => {
    await running('same-file');
    assert.equal(await inPod('same-file', `cat ${at('same-file')}/k`), 'v');
    assert.deepEqual((await eventsFor('same-file')).filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`), []);
  });

  test('a configMap volume: every key a file, the kubelet\'s ..data layout, mounted read-only; subPath mounts one file', async () => {
    assert.equal(await inPod('consumer', `cat ${at('config')}/app.conf`), 'listen 8080\n');
    assert.deepEqual((await inPod('consumer', `ls -A ${at('config')}`)).trim().split('\n').sort().filter((f) => !f.startsWith('..2')), ['..data', 'GREETING', 'LEVEL', 'app.conf']);
    assert.equal((await inPod('consumer', `readlink ${at('config')}/GREETING`)).trim(), '..data/GREETING');
    const touch = await pn(['exec', 'consumer', '--', 'touch', `${at('config')}/new`]);
    assert.notEqual(touch.code, 0);
    assert.match(touch.stderr, /Read-only file system/);
    assert.equal(await inPod('consumer', `cat ${at('app.conf')}`), 'listen 8080\n');
    // the machine's own file is untouched: the mounts are the pod's
    assert.equal(readFileSync(at('app.conf'), 'utf8'), 'the machine\'s own file\n');
  });

  test('a secret volume with items and a mode; downwardAPI and projected volumes', async () => {
    assert.equal(await inPod('consumer', `cat ${at('creds')}/db/password`), 's3cret');
    assert.equal((await inPod('consumer', `stat -L -c %a ${at('creds')}/db/password`)).trim(), '400');
    assert.equal(await inPod('consumer', `cat ${at('info')}/labels`), 'app="consumer"\ntier="web"');
    assert.equal(await inPod('consumer', `cat ${at('info')}/name`), 'consumer');
    assert.equal(await inPod('consumer', `cat ${at('all')}/greeting ${at('all')}/token ${at('all')}/namespace`), 'hellot0kendefault');
  });

  test('a changed ConfigMap and a changed label reach the running pod\'s files, with no restart', async () => {
    const before = await getPod('consumer');
    const edited = await pn(['apply', '-f', '-'], { input: CONFIG.replace('GREETING: hello', 'GREETING: bonjour') });
    assert.equal(edited.code, 0, edited.stderr);
    await eventually('the new greeting in the volume', async () => (await inPod('consumer', `cat ${at('config')}/GREETING ${at('all')}/greeting`)) === 'bonjourbonjour', 15_000, 200);
    const consumer = PODS.split('\n---\n')[0]!;
    const label = await pn(['apply', '-f', '-'], { input: consumer.replace('tier: web', 'tier: api') });
    assert.equal(label.code, 0, label.stderr);
    await eventually('the new label in the downward API file', async () => (await inPod('consumer', `cat ${at('info')}/labels`)) === 'app="consumer"\ntier="api"', 15_000, 200);
    const after = await getPod('consumer');
    assert.equal(after.status?.containerStatuses?.[0]?.restartCount, before.status?.containerStatuses?.[0]?.restartCount);
  });

  test('every namespace has kube-root-ca.crt, so the kube-api-access volume of a pod exported from a real cluster mounts (without a token)', async () => {
    const cm = JSON.parse((await pn(['get', 'configmap', 'kube-root-ca.crt', '-o', 'json'])).stdout) as { data: Record<string, string> };
    assert.match(cm.data['ca.crt']!, /^-----BEGIN CERTIFICATE-----\n/);
    await running('exported');
    assert.equal(await inPod('exported', `cat ${at('sa')}/ca.crt`), cm.data['ca.crt']);
    assert.equal(await inPod('exported', `cat ${at('sa')}/namespace`), 'default');
    assert.equal((await pn(['exec', 'exported', '--', 'test', '-e', `${at('sa')}/token`])).code, 1);
    const warned = await eventually('the token warning', async () => (await eventsFor('exported')).find((e) => e.reason === 'UnsupportedVolume'));
    assert.equal(warned.message, 'volume "kube-api-access-x7k2p": serviceAccountToken projection "token" writes no file: podnet issues no service account tokens');
  });

  test('a hostPath volume is the machine\'s directory (DirectoryOrCreate made it)', async () => {
    await inPod('consumer', `echo from-pod > ${at('host')}/file`);
    assert.equal(readFileSync(path.join(hostDir, 'file'), 'utf8'), 'from-pod\n');
  });

  test('a missing ConfigMap: the container waits in CreateContainerConfigError, then starts once it is created', async () => {
    const waiting = await eventually('CreateContainerConfigError', async () => {
      const p = await getPod('waits-env');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p.status.containerStatuses[0]!.state!.waiting! : undefined;
    });
    assert.equal(waiting.message, 'configmap "later" not found');
    const e = await eventually('the Failed event', async () => (await eventsFor('waits-env')).find((x) => x.reason === 'Failed'));
    assert.equal(e.message, 'Error: configmap "later" not found');
    const status = await pn(['get', 'pods']);
    assert.match(status.stdout, /waits-env\s+0\/1\s+CreateContainerConfigError/);
    const created = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {value: arrived}\n' });
    assert.equal(created.code, 0, created.stderr);
    await running('waits-env');
    await eventually('the value in its log', async () => (await pn(['logs', 'waits-env'])).stdout.trim() === 'later=arrived', 10_000, 200);
  });

  test('a missing ConfigMap volume: FailedMount, the pod waits in ContainerCreating, then starts once it is created', async () => {
    const e = await eventually('FailedMount', async () => (await eventsFor('waits-volume')).find((x) => x.reason === 'FailedMount'));
    assert.equal(e.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "later-volume" not found');
    const p = await getPod('waits-volume');
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
    assert.equal(p.status?.podIP, undefined);
    const created = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later-volume}\ndata: {k: v}\n' });
    assert.equal(created.code, 0, created.stderr);
    await running('waits-volume');
    assert.equal(await inPod('waits-volume', `cat ${at('later')}/k`), 'v');
  });

  test('a StatefulSet\'s volumeClaimTemplate: the pod gets the claim data-db-0, whose files outlive the pod until a scale-down (whenScaled: Delete) deletes the claim and its volume', async () => {
    const first = await running('db-0');
    assert.deepEqual(first.spec.volumes?.find((v) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } });
    await inPod('db-0', `echo kept > ${at('data')}/row`);
    const del = await pn(['delete', 'pod', 'db-0']);
    assert.equal(del.code, 0, del.stderr);
    await eventually('db-0 made again', async () => {
      const p = await getPod('db-0').catch(() => undefined);
      return p && p.metadata.uid !== first.metadata.uid && p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, 30_000, 200);
    assert.equal(await inPod('db-0', `cat ${at('data')}/row`), 'kept\n');
    // whenScaled: Delete: a scale-down takes the claim, once its pod is gone
    const volume = (await pn(['get', 'pvc', 'data-db-0', '-o', 'jsonpath={.spec.volumeName}'])).stdout;
    const claim = (await pn(['get', 'pv', volume, '-o', 'jsonpath={.spec.hostPath.path}'])).stdout;
    assert.equal(path.dirname(claim), path.join(stateDir, CLUSTER, 'claims'));
    assert.ok(existsSync(claim));
    const scaled = await pn(['scale', '--replicas=0', 'statefulset/db']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually('the claim, its volume and its directory removed after db-0 is gone', async () => !existsSync(claim) && (await pn(['get', 'pvc', 'data-db-0'])).code !== 0, 30_000, 200);
  });

  test('a volumeMount that names no volume is rejected with its field path, as the API server does', async () => {
    const r = await pn(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: c, image: none, command: [sleep, '1'], volumeMounts: [{name: nope, mountPath: /mnt}]}]\n` });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.containers\[0\]\.volumeMounts\[0\]\.name: Not found: "nope"/);
  });
});
