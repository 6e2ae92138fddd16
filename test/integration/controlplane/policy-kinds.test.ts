// The kinds real app manifests carry besides their workloads, on a real
// cluster (itpolicy): one file with a podnet/echo Deployment, its Service,
// a ServiceAccount, a Role and RoleBinding, a ClusterRole and
// ClusterRoleBinding, a PodDisruptionBudget and a HorizontalPodAutoscaler
// applies with exit 0; the autoscaler scales the Deployment to its minimum
// and then reports, as kind without metrics-server does, that it can read no
// metric; the budget allows one disruption once both pods are Ready; the
// bindings list their subjects; a binding to a Deployment is refused with
// its field path; and `delete -f` takes them all away.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Deployment, HorizontalPodAutoscaler } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';

/** what a Helm chart of the app renders besides the Deployment and Service */
const POLICY = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules:
  - apiGroups: [""]
    resources: [pods, pods/log]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-reads-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
  - {kind: ServiceAccount, name: web, namespace: default}
  - {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: itpolicy-node-reader}
rules:
  - apiGroups: [""]
    resources: [nodes]
    verbs: [get, list]
  - nonResourceURLs: [/healthz]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: itpolicy-web-reads-nodes}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: itpolicy-node-reader}
subjects:
  - {kind: ServiceAccount, name: web, namespace: default}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
`;

const CLUSTER = 'itpolicy';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpolicy-'));
const pn = podnet(CLUSTER, stateDir);
/** the whole app as one file, for apply -f and delete -f */
const manifest = () => path.join(stateDir, 'app.yaml');

const NO_METRICS = 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: '
  + 'unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

async function getJson<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** A bare cluster (no cluster DNS, no ingress): nothing here resolves a name. */
async function clusterUp(): Promise<void> {
  const up = await pn(['up', '--bare']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
}

/** The cluster and its state go, also when a test failed. */
async function clusterDown(): Promise<void> {
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
}

describe('RBAC, PodDisruptionBudget and HorizontalPodAutoscaler from one manifest', { timeout: 180_000 }, () => {
  before(clusterUp);
  after(clusterDown);

  test('apply takes every document and exits 0', async () => {
    writeFileSync(manifest(), `${echoApp({ name: 'web' })}---${POLICY}`);
    const r = await pn(['apply', '-f', manifest()]);
    assert.equal(r.code, 0, r.stderr);
    for (const line of [
      'deployment.apps/web created', 'service/web created', 'serviceaccount/web created',
      'role.rbac.authorization.k8s.io/pod-reader created', 'rolebinding.rbac.authorization.k8s.io/web-reads-pods created',
      'clusterrole.rbac.authorization.k8s.io/itpolicy-node-reader created', 'clusterrolebinding.rbac.authorization.k8s.io/itpolicy-web-reads-nodes created',
      'poddisruptionbudget.policy/web created', 'horizontalpodautoscaler.autoscaling/web created',
    ]) assert.ok(r.stdout.split('\n').includes(line), `${line} in:\n${r.stdout}`);
  });

  test('the autoscaler scales the Deployment up to minReplicas 2 (both pods Ready), then says it can read no metric', async () => {
    await eventually('2 of 2 replicas Ready', async () => {
      const d = await getJson<Deployment>(['get', 'deployment', 'web']);
      return d.spec.replicas === 2 && d.status?.readyReplicas === 2;
    }, 90_000, 500);
    // the next sync, up to 15 s later, finds 2 in range and no metrics API
    const hpa = await eventually('ScalingActive False', async () => {
      const h = await getJson<HorizontalPodAutoscaler>(['get', 'hpa', 'web']);
      return h.status?.conditions?.some((c) => c.type === 'ScalingActive' && c.status === 'False') ? h : undefined;
    }, 40_000, 500);
    const active = hpa.status!.conditions!.find((c) => c.type === 'ScalingActive')!;
    assert.deepEqual([active.reason, active.message], ['FailedGetResourceMetric', NO_METRICS]);
    assert.deepEqual([hpa.status!.currentReplicas, hpa.status!.desiredReplicas], [2, 2]);
    const table = await pn(['get', 'hpa']);
    assert.match(table.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
    assert.match(table.stdout, /\nweb\s+Deployment\/web\s+cpu: <unknown>\/50%\s+2\s+4\s+2\s+\d+s\n/);
    const described = await pn(['describe', 'hpa', 'web']);
    assert.match(described.stdout, /Normal\s+SuccessfulRescale\s+.*New size: 2; reason: Current number of replicas below Spec\.MinReplicas/);
  });

  test('get pdb: one disruption allowed once both pods are Ready', async () => {
    const table = await eventually('ALLOWED DISRUPTIONS 1', async () => {
      const r = await pn(['get', 'pdb']);
      return /\nweb\s+1\s+N\/A\s+1\s+\d+\w\n/.test(r.stdout) ? r.stdout : undefined;
    }, 30_000, 500);
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
  });

  test('get rolebindings -o wide names the subjects; get clusterrolebindings the ClusterRole', async () => {
    const rb = await pn(['get', 'rolebindings', '-o', 'wide']);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    assert.match(rb.stdout, /\nweb-reads-pods\s+Role\/pod-reader\s+\d+\w\s+jane\s+default\/web\n/);
    const crb = await pn(['get', 'clusterrolebinding', 'itpolicy-web-reads-nodes']);
    assert.match(crb.stdout, /\nitpolicy-web-reads-nodes\s+ClusterRole\/itpolicy-node-reader\s+\d+\w\n/);
  });

  test('a RoleBinding to a Deployment is refused with the field path, in the API server\'s words', async () => {
    const r = await pn(['apply', '-f', '-'], {
      input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: bad}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Deployment, name: web}\nsubjects: [{kind: ServiceAccount, name: web}]\n',
    });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'The RoleBinding "bad" is invalid: roleRef.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"');
    assert.equal((await pn(['get', 'rolebinding', 'bad'])).code, 1);
  });

  test('delete -f removes every object of the file, the cluster-scoped ones too', async () => {
    const r = await pn(['delete', '-f', manifest()]);
    assert.equal(r.code, 0, r.stderr);
    for (const [kind, name] of [
      ['deployment', 'web'], ['service', 'web'], ['serviceaccount', 'web'], ['role', 'pod-reader'], ['rolebinding', 'web-reads-pods'],
      ['clusterrole', 'itpolicy-node-reader'], ['clusterrolebinding', 'itpolicy-web-reads-nodes'], ['pdb', 'web'], ['hpa', 'web'],
    ] as const) {
      const got = await pn(['get', kind, name]);
      assert.equal(got.code, 1, `${kind}/${name} is gone`);
      assert.match(got.stderr, /\(NotFound\)/);
    }
  });
});
