// The control plane through the real CLI, on one shared cluster: apply as
// kubectl does it (created / configured / unchanged, per-document errors in
// the API server's words), the shop example with its allocated ClusterIPs and
// EndpointSlices, Service IP and NodePort allocation, get's output formats,
// describe's events, wait, the scheduler's nodeSelector / nodeName, and
// EndpointSlice readiness from real readiness probes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { EndpointSlice, KubeObject, Pod, Service } from '../../../src/api/types.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itcp1';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcp1-'));
const work = mkdtempSync(path.join(tmpdir(), 'podnet-itcp1-files-'));
const pn = podnet(CLUSTER, stateDir);
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const SERVICE_RANGE = { first: ipNumber('10.96.0.0'), last: ipNumber('10.111.255.255') };

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function file(name: string, text: string): string {
  const p = path.join(work, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

async function json<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, `podnet ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const apply = (text: string) => pn(['apply', '-f', '-'], { input: text });
/** the API as another tool sees it (close it when done) */
const apiClient = () => new HttpClient({ socketPath: path.join(stateDir, CLUSTER, 'api.sock') });

function service(name: string, spec: string): string {
  return `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n${spec}`;
}

const MIXED = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {colour: blue}
---
apiVersion: v1
kind: Service
metadata: {name: bad}
spec:
  selector: {app: bad}
  ports: [{port: 70000, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: good}
spec:
  selector: {app: good}
  ports: [{port: 80}]
`;

describe('control plane through the CLI', { timeout: 170_000 }, () => {
  before(async () => {
    const up = await pn(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  describe('apply', () => {
    test('a multi-document file applies each valid document and reports the invalid one in the API server\'s words', async () => {
      const f = file('mixed.yaml', MIXED);
      const r = await pn(['apply', '-f', f]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, 'configmap/cfg created\nservice/good created\n');
      // one failure: kubectl's checkErr form (the kind without its group, then the cause)
      assert.equal(r.stderr.trim(), 'The Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
      const bad = await pn(['get', 'svc', 'bad']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr.trim(), 'Error from server (NotFound): services "bad" not found');
    });

    test('re-apply prints unchanged, a changed document prints configured', async () => {
      const valid = MIXED.split('---\n').filter((d) => !d.includes('name: bad')).join('---\n');
      const f = file('valid.yaml', valid);
      const again = await pn(['apply', '-f', f]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'configmap/cfg unchanged\nservice/good unchanged\n');
      const changed = await pn(['apply', '-f', file('valid.yaml', valid.replace('colour: blue', 'colour: green'))]);
      assert.equal(changed.code, 0, changed.stderr);
      assert.equal(changed.stdout, 'configmap/cfg configured\nservice/good unchanged\n');
      const cm = await json<{ data: Record<string, string>; metadata: { annotations: Record<string, string> } }>(['get', 'configmap', 'cfg']);
      assert.deepEqual(cm.data, { colour: 'green' });
      // kubectl's last-applied-configuration: sorted keys, the namespace filled in, a trailing newline
      assert.equal(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
        '{"apiVersion":"v1","data":{"colour":"green"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cfg","namespace":"default"}}\n');
    });

    test('apply --dry-run=server checks with the API server and stores nothing; --dry-run=client only looks', async () => {
      const f = file('dry.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry-cfg}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {colour: red}\n');
      const server = await pn(['apply', '--dry-run=server', '-f', f]);
      assert.deepEqual([server.code, server.stdout], [0, 'configmap/dry-cfg created (server dry run)\nconfigmap/cfg configured (server dry run)\n'], server.stderr);
      const client = await pn(['apply', '--dry-run=client', '-f', f]);
      assert.deepEqual([client.code, client.stdout], [0, 'configmap/dry-cfg created (dry run)\nconfigmap/cfg configured (dry run)\n'], client.stderr);
      assert.equal((await pn(['get', 'configmap', 'dry-cfg'])).code, 1);
      assert.deepEqual((await json<{ data: Record<string, string> }>(['get', 'configmap', 'cfg'])).data, { colour: 'green' });
      // the server's refusal is the same as without --dry-run
      const invalid = await pn(['apply', '--dry-run=server', '-f', file('dry-bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: dry-bad}\nspec:\n  ports: [{port: 70000, targetPort: 8080}]\n')]);
      assert.equal(invalid.code, 1);
      assert.equal(invalid.stderr.trim(), 'The Service "dry-bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
      const wrong = await pn(['apply', '--dry-run=maybe', '-f', f]);
      assert.deepEqual([wrong.code, wrong.stderr.trim()], [1, 'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".']);
    });

    test('unknown fields: refused by default (kubectl\'s --validate=strict) by their paths; --validate=warn drops them with a warning, ignore silently', async () => {
      const typo = (name: string) => service(name, '  selectr: {app: typo}\n  ports: [{port: 80, targetport: 8080}]\n');
      const strict = await apply(typo('typo'));
      assert.deepEqual([strict.code, strict.stdout], [1, '']);
      assert.equal(strict.stderr.trim(), 'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: '
        + 'strict decoding error: unknown field "spec.selectr", unknown field "spec.ports[0].targetport"');
      assert.equal((await pn(['get', 'svc', 'typo'])).code, 1);
      const warn = await pn(['apply', '--validate=warn', '-f', '-'], { input: typo('typo') });
      assert.deepEqual([warn.code, warn.stdout], [0, 'service/typo created\n'], warn.stderr);
      assert.equal(warn.stderr, 'Warning: unknown field "spec.selectr"\nWarning: unknown field "spec.ports[0].targetport"\n');
      const stored = await json<Service>(['get', 'svc', 'typo']);
      // dropped, as upstream's decoding drops them: targetPort defaults to the port, no selector
      assert.deepEqual([stored.spec.ports, 'selectr' in stored.spec, stored.spec.selector], [[{ port: 80, protocol: 'TCP', targetPort: 80 }], false, undefined]);
      // applied again, strict: the three-way patch brings them back, and the patch is refused as kubectl shows it
      const again = await apply(typo('typo'));
      assert.equal(again.code, 1);
      assert.match(again.stderr.trim(), /^The request is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec.ports\[0\].targetport", unknown field "spec.selectr"$/);
      const ignore = await pn(['apply', '--validate=false', '-f', '-'], { input: typo('typo-ignored') });
      assert.deepEqual([ignore.code, ignore.stdout, ignore.stderr], [0, 'service/typo-ignored created\n', '']);
      const wrong = await pn(['apply', '--validate=maybe', '-f', '-'], { input: typo('never') });
      assert.deepEqual([wrong.code, wrong.stderr.trim()], [1, 'error: invalid - validate option "maybe"; must be one of: strict (or true), warn, ignore (or false)']);
      assert.equal((await pn(['delete', 'svc', 'typo', 'typo-ignored'])).code, 0);
    });

    test('several invalid documents each get their own line, the kind qualified by its group', async () => {
      const f = file('two-bad.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad-deploy}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: podnet/echo}]}
---
${service('bad-two', '  ports: [{port: 0, targetPort: 8080}]\n')}`);
      const r = await pn(['apply', '-f', f]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim(), [
        `Error from server (Invalid): error when creating "${f}": Deployment.apps "bad-deploy" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: \`selector\` does not match template \`labels\``,
        `Error from server (Invalid): error when creating "${f}": Service "bad-two" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`,
      ].join('\n'));
    });

    test('re-apply merges three ways: what others changed and the manifest does not set is kept', async () => {
      const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merged, labels: {team: a, tier: web}}\ndata: {one: "1", two: "2"}\n';
      assert.equal((await apply(manifest)).stdout, 'configmap/merged created\n');
      // another tool labels it and scales nothing: a PUT of the manifest would drop its label
      const api = apiClient();
      try {
        await api.patch('configmaps', 'default', 'merged', { metadata: { labels: { owner: 'other-tool' } } });
        const same = await apply(manifest);
        assert.equal(same.stdout, 'configmap/merged unchanged\n');
        // the manifest drops a key and a label it used to set: removed; the other tool's label stays
        const fewer = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merged, labels: {tier: web}}\ndata: {one: "1"}\n');
        assert.equal(fewer.code, 0, fewer.stderr);
        assert.equal(fewer.stdout, 'configmap/merged configured\n');
        const cm = await json<KubeObject & { data: Record<string, string> }>(['get', 'configmap', 'merged']);
        assert.deepEqual(cm.data, { one: '1' });
        assert.deepEqual(cm.metadata.labels, { owner: 'other-tool', tier: 'web' });
        // a field the manifest sets is put back when someone changed it
        await api.patch('configmaps', 'default', 'merged', { data: { one: 'changed' } });
        const restored = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merged, labels: {tier: web}}\ndata: {one: "1"}\n');
        assert.equal(restored.stdout, 'configmap/merged configured\n');
        assert.deepEqual((await json<{ data: Record<string, string> }>(['get', 'configmap', 'merged'])).data, { one: '1' });
      } finally { api.close(); }
    });

    test('a Deployment scaled by someone else keeps its replicas when its manifest does not set them', async () => {
      const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: scaled}\nspec:\n  selector: {matchLabels: {app: scaled}}\n  template:\n    metadata: {labels: {app: scaled}}\n    spec:\n      nodeSelector: {podnet.dev/none: none}\n      containers: [{name: c, image: podnet/echo}]\n';
      assert.equal((await apply(manifest)).stdout, 'deployment.apps/scaled created\n');
      const api = apiClient();
      try {
        await api.patch('deployments', 'default', 'scaled', { spec: { replicas: 3 } });
      } finally { api.close(); }
      // the server defaulted fields inside the containers list (imagePullPolicy, …): still unchanged
      assert.equal((await apply(manifest)).stdout, 'deployment.apps/scaled unchanged\n');
      assert.equal((await json<{ spec: { replicas: number } }>(['get', 'deployment', 'scaled'])).spec.replicas, 3);
      const changed = await apply(manifest.replace('image: podnet/echo', 'image: podnet/pause'));
      assert.equal(changed.stdout, 'deployment.apps/scaled configured\n');
      const d = await json<{ spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }>(['get', 'deployment', 'scaled']);
      assert.equal(d.spec.replicas, 3);
      assert.equal(d.spec.template.spec.containers[0]!.image, 'podnet/pause');
      assert.equal((await pn(['delete', 'deployment', 'scaled'])).code, 0);
    });

    test('an object in another namespace than -n says is refused in kubectl\'s words', async () => {
      const r = await pn(['apply', '-n', 'kube-public', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: elsewhere, namespace: default}\n' });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), "error: the namespace from the provided object \"default\" does not match the namespace \"kube-public\". You must pass '--namespace=default' to perform this operation.");
      assert.equal((await pn(['get', 'configmap', 'elsewhere'])).code, 1);
    });

    test('delete prints kubectl\'s lines: kind[.group] "name" deleted, -o name, and the file of a missing object', async () => {
      const f = file('to-delete.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: del-a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: del-ghost}\n');
      assert.equal((await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: del-a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: del-b}\n')).code, 0);
      const r = await pn(['delete', '-f', f]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, 'configmap "del-a" deleted\n');
      assert.equal(r.stderr.trim(), `Error from server (NotFound): error when deleting "${f}": configmaps "del-ghost" not found`);
      const byName = await pn(['delete', 'configmap', 'del-b', '-o', 'name', '--wait=false']);
      assert.equal(byName.code, 0, byName.stderr);
      assert.equal(byName.stdout, 'configmap/del-b\n');
    });

    test('malformed YAML names the line and column and exits 1', async () => {
      const f = file('broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n');
      const r = await pn(['apply', '-f', f]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^error: error parsing ${f.replace(/[.]/g, '\\.')}.*line \\d+, column \\d+`));
      assert.equal((await pn(['get', 'configmap', 'broken'])).code, 1);
    });

    test('an unknown kind is rejected by name', async () => {
      const r = await apply('apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no matches for kind "Foo" in version "v1"/);
      assert.equal(r.stdout, '');
    });

    test('apply from a directory takes every manifest in it, and -f - reads stdin', async () => {
      const dir = path.join(work, 'dir');
      file('dir/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-a}\ndata: {x: "1"}\n');
      file('dir/b.yml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-b}\ndata: {x: "2"}\n');
      const r = await pn(['apply', '-f', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'configmap/dir-a created\nconfigmap/dir-b created\n');
      const s = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n');
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout, 'configmap/from-stdin created\n');
    });
  });

  describe('the shop example', () => {
    let services: Service[] = [];
    let slices: EndpointSlice[] = [];
    let pods: Pod[] = [];

    before(async () => {
      const r = await pn(['apply', '-f', EXAMPLES]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      for (const line of ['namespace/shop created', 'deployment.apps/frontend created', 'service/frontend created',
        'deployment.apps/api created', 'service/api created', 'service/db created', 'statefulset.apps/db created']) {
        assert.ok(lines.includes(line), `${line} in:\n${r.stdout}`);
      }
      assert.ok(lines.every((l) => / created$/.test(l)), r.stdout);
      assert.equal(lines[0], 'namespace/shop created');
      // the StatefulSet creates db-1 only once db-0 is Ready: wait for all six pods to exist first
      await eventually('six shop pods', async () => (await json<{ items: Pod[] }>(['get', 'pods', '-n', 'shop'])).items.length === 6, 60_000, 250);
      const w = await pn(['wait', '--for=condition=Ready', 'pods', '--all', '-n', 'shop', '--timeout=60s']);
      assert.equal(w.code, 0, w.stderr);
      pods = (await json<{ items: Pod[] }>(['get', 'pods', '-n', 'shop'])).items;
      // slices follow pod readiness asynchronously
      await eventually('slices with every ready pod', async () => {
        const list = await json<{ items: KubeObject[] }>(['get', 'svc,endpointslices', '-n', 'shop']);
        services = list.items.filter((o) => o.kind === 'Service') as Service[];
        slices = list.items.filter((o) => o.kind === 'EndpointSlice') as unknown as EndpointSlice[];
        const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
        return ready.length === 6;
      }, 30_000, 200);
    });

    test('ClusterIPs are allocated inside 10.96.0.0/12 and the headless db has None', () => {
      const byName = new Map(services.map((s) => [s.metadata.name, s]));
      assert.deepEqual([...byName.keys()].sort(), ['api', 'db', 'frontend']);
      for (const name of ['api', 'frontend']) {
        const ip = byName.get(name)!.spec.clusterIP!;
        const n = ipNumber(ip);
        assert.ok(n >= SERVICE_RANGE.first && n <= SERVICE_RANGE.last, `${name} got ${ip}`);
        assert.notEqual(ip, '10.96.0.1');
        assert.notEqual(ip, '10.96.0.10');
        assert.deepEqual(byName.get(name)!.spec.clusterIPs, [ip]);
      }
      assert.notEqual(byName.get('api')!.spec.clusterIP, byName.get('frontend')!.spec.clusterIP);
      assert.equal(byName.get('db')!.spec.clusterIP, 'None');
    });

    test('each Service has a slice labelled with its name, carrying its pods\' IPs, nodes and targetRefs', () => {
      for (const svc of ['api', 'frontend', 'db']) {
        const mine = slices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);
        assert.equal(mine.length, 1, `slices of ${svc}`);
        const slice = mine[0]!;
        assert.equal(slice.addressType, 'IPv4');
        assert.equal(slice.metadata.ownerReferences?.[0]?.kind, 'Service');
        assert.equal(slice.metadata.ownerReferences?.[0]?.name, svc);
        const app = svc;
        const expected = pods.filter((p) => p.metadata.labels?.app === app)
          .map((p) => ({ ip: p.status!.podIP!, node: p.spec.nodeName!, name: p.metadata.name!, uid: p.metadata.uid! }))
          .sort((a, b) => a.name.localeCompare(b.name));
        assert.equal(expected.length, 2);
        const got = (slice.endpoints ?? []).map((e) => ({ ip: e.addresses[0]!, node: e.nodeName!, name: e.targetRef!.name!, uid: e.targetRef!.uid! }))
          .sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(got, expected);
        for (const e of slice.endpoints ?? []) {
          assert.equal(e.targetRef!.kind, 'Pod');
          assert.equal(e.targetRef!.namespace, 'shop');
          assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
        }
      }
    });

    test('StatefulSet endpoints carry the pod hostname (db-0, db-1)', () => {
      const db = slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'db')!;
      assert.deepEqual((db.endpoints ?? []).map((e) => e.hostname).sort(), ['db-0', 'db-1']);
      const web = slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'frontend')!;
      assert.ok((web.endpoints ?? []).every((e) => e.hostname === undefined), 'Deployment pods have no hostname in the slice');
    });

    test('named targetPorts are resolved from the pods (http → 8080, udp → 8081)', () => {
      const ports = (svc: string) => slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)!.ports!
        .map((p) => `${p.name}/${p.protocol}/${p.port}`).sort();
      assert.deepEqual(ports('frontend'), ['http/TCP/8080']);
      assert.deepEqual(ports('api'), ['http/TCP/8080', 'udp/UDP/8081']);
      assert.deepEqual(ports('db'), ['sql/TCP/5432']);
    });

    test('describe shows the controllers\' and the scheduler\'s events', async () => {
      const d = await pn(['describe', 'deployment', 'frontend', '-n', 'shop']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /^Events:/m);
      assert.match(d.stdout, /Normal\s+(ScalingReplicaSet|SuccessfulCreate)\s/);
      const p = await pn(['describe', 'pod', 'db-0', '-n', 'shop']);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned shop\/db-0 to node-[12]\n/);
      const s = await pn(['describe', 'statefulset', 'db', '-n', 'shop']);
      assert.match(s.stdout, /SuccessfulCreate\s.*create Pod db-0 in StatefulSet db successful/);
    });

    test('describe, get and delete find objects as kubectl does: name prefixes, per-name errors, nothing matched', async () => {
      // one missing name: the objects whose names start with it (DescribeMatchingResources)
      const prefix = await pn(['describe', 'pod', 'db', '-n', 'shop']);
      assert.equal(prefix.code, 0, prefix.stderr);
      assert.deepEqual([...prefix.stdout.matchAll(/^Name:\s+(\S+)$/gm)].map((m) => m[1]), ['db-0', 'db-1']);
      // several names: the found ones are described, the missing ones reported, exit 1
      const some = await pn(['describe', 'pods', 'db-0', 'nope', '-n', 'shop']);
      assert.equal(some.code, 1);
      assert.match(some.stdout, /^Name:\s+db-0$/m);
      assert.equal(some.stderr, 'Error from server (NotFound): pods "nope" not found\n');
      const none = await pn(['describe', 'pods', '-l', 'app=nothing-has-this', '-n', 'shop']);
      assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'No resources found in shop namespace.\n']);
      const nothing = await pn(['delete', 'pods', '-l', 'app=nothing-has-this', '-n', 'shop']);
      assert.deepEqual([nothing.code, nothing.stdout], [0, 'No resources found\n']);
      // kind prefixes only when more than one kind has something to show
      const onlySvc = await pn(['get', 'svc,ingresses', '-n', 'default']);
      assert.equal(onlySvc.code, 0, onlySvc.stderr);
      assert.match(onlySvc.stdout, /^kubernetes\s/m);
      // several names, all missing: an empty List, then the errors
      const missing = await pn(['get', 'pods', 'nope-a', 'nope-b', '-o', 'json']);
      assert.equal(missing.code, 1);
      assert.deepEqual((JSON.parse(missing.stdout) as { kind: string; items: unknown[] }), { apiVersion: 'v1', kind: 'List', items: [], metadata: { resourceVersion: '' } });
    });

    test('wait --for=condition=Ready on one pod prints "condition met"', async () => {
      const r = await pn(['wait', '--for=condition=Ready', 'pod/db-0', '-n', 'shop', '--timeout=10s']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'pod/db-0 condition met\n');
    });
  });

  describe('Service allocation', () => {
    test('a requested clusterIP is honoured', async () => {
      const r = await apply(service('fixed-a', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]\n'));
      assert.equal(r.code, 0, r.stderr);
      const s = await json<Service>(['get', 'svc', 'fixed-a']);
      assert.equal(s.spec.clusterIP, '10.96.5.5');
      assert.deepEqual(s.spec.clusterIPs, ['10.96.5.5']);
    });

    test('the same clusterIP requested by a second Service is rejected: provided IP is already allocated', async () => {
      const r = await apply(service('fixed-b', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]\n'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /provided IP is already allocated/);
      // upstream alloc.go: field.Invalid(spec.clusterIPs, service.Spec.ClusterIPs, "failed to allocate IP …: …")
      assert.equal(r.stderr.trim(), 'The Service "fixed-b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.5.5"}: failed to allocate IP 10.96.5.5: provided IP is already allocated');
      assert.equal((await pn(['get', 'svc', 'fixed-b'])).code, 1);
    });

    test('a clusterIP outside the service range is rejected', async () => {
      const r = await apply(service('outside', '  clusterIP: 10.200.0.1\n  ports: [{port: 80}]\n'));
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'The Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.200.0.1"}: failed to allocate IP 10.200.0.1: the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    });

    test('a requested nodePort is honoured, a duplicate and an out-of-range one are rejected', async () => {
      const a = await apply(service('np-a', '  type: NodePort\n  ports: [{port: 80, nodePort: 30123}]\n'));
      assert.equal(a.code, 0, a.stderr);
      assert.equal((await json<Service>(['get', 'svc', 'np-a'])).spec.ports![0]!.nodePort, 30123);
      const b = await apply(service('np-b', '  type: NodePort\n  ports: [{port: 80, nodePort: 30123}]\n'));
      assert.equal(b.code, 1);
      assert.equal(b.stderr.trim(), 'The Service "np-b" is invalid: spec.ports[0].nodePort: Invalid value: 30123: provided port is already allocated');
      const c = await apply(service('np-c', '  type: NodePort\n  ports: [{port: 80, nodePort: 40000}]\n'));
      assert.equal(c.code, 1);
      assert.equal(c.stderr.trim(), 'The Service "np-c" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767');
    });

    test('after deleting a Service its clusterIP and nodePort can be requested again', async () => {
      const setup = await apply(service('reuse-a', '  type: NodePort\n  clusterIP: 10.96.7.7\n  ports: [{port: 80, nodePort: 30222}]\n'));
      assert.equal(setup.code, 0, setup.stderr);
      const d = await pn(['delete', 'svc', 'reuse-a']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout, 'service "reuse-a" deleted\n');
      const r = await apply(service('reuse-b', '  type: NodePort\n  clusterIP: 10.96.7.7\n  ports: [{port: 80, nodePort: 30222}]\n'));
      assert.equal(r.code, 0, r.stderr);
      const s = await json<Service>(['get', 'svc', 'reuse-b']);
      assert.equal(s.spec.clusterIP, '10.96.7.7');
      assert.equal(s.spec.ports![0]!.nodePort, 30222);
    });

    test('changing the clusterIP on update is rejected: may not change once set', async () => {
      const r = await apply(service('fixed-a', '  clusterIP: 10.96.5.6\n  ports: [{port: 80}]\n'));
      assert.equal(r.code, 1);
      // upstream normalizeClusterIPs copies the new clusterIP into clusterIPs[0],
      // then validateUpgradeDowngradeClusterIPs rejects the change
      assert.match(r.stderr, /Service "fixed-a" is invalid: spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.5\.6"\}: may not change once set\n?$/);
      assert.equal((await json<Service>(['get', 'svc', 'fixed-a'])).spec.clusterIP, '10.96.5.5');
    });
  });

  describe('get', () => {
    test('named objects: the ones found are printed, each missing one is an error line, exit 1', async () => {
      const r = await pn(['get', 'svc', 'good', 'no-such-svc']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\ngood\s+ClusterIP\s/);
      assert.equal(r.stdout.trim().split('\n').length, 2);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): services "no-such-svc" not found');
      const asJson = await pn(['get', 'svc', 'good', 'no-such-svc', '-o', 'json']);
      assert.equal(asJson.code, 1);
      assert.deepEqual((JSON.parse(asJson.stdout) as { kind: string; items: KubeObject[] }).items.map((i) => i.metadata.name), ['good']);
    });

    test('default tables have kubectl\'s headers', async () => {
      const headers: [string[], RegExp][] = [
        [['get', 'pods', '-n', 'shop'], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/],
        [['get', 'svc', '-n', 'shop'], /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/],
        [['get', 'deploy', '-n', 'shop'], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/],
        [['get', 'statefulsets', '-n', 'shop'], /^NAME\s+READY\s+AGE\n/],
        [['get', 'nodes'], /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/],
        [['get', 'endpointslices', '-n', 'shop'], /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/],
        [['get', 'ingressclasses'], /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\n/],
        [['get', 'namespaces'], /^NAME\s+STATUS\s+AGE\n/],
        [['get', 'pods', '-n', 'shop', '-o', 'wide'], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/],
      ];
      for (const [args, header] of headers) {
        const r = await pn(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout, header, args.join(' '));
      }
      const svc = await pn(['get', 'svc', 'frontend', '-n', 'shop']);
      assert.match(svc.stdout, /\nfrontend\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\n/);
      const deploy = await pn(['get', 'deploy', 'frontend', '-n', 'shop']);
      assert.match(deploy.stdout, /\nfrontend\s+2\/2\s+2\s+2\s+\d+s\n/);
    });

    test('-o name prints kind/name, -o yaml parses, -A adds NAMESPACE, -l filters', async () => {
      const names = await pn(['get', 'deploy', '-n', 'shop', '-o', 'name']);
      assert.equal(names.stdout, 'deployment.apps/api\ndeployment.apps/frontend\n');
      const yaml = await pn(['get', 'svc', 'frontend', '-n', 'shop', '-o', 'yaml']);
      const parsed = parseYaml(yaml.stdout) as Service;
      assert.equal(parsed.kind, 'Service');
      assert.equal(parsed.metadata.name, 'frontend');
      const all = await pn(['get', 'pods', '-A', '-l', 'app=db']);
      assert.match(all.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nshop\s+db-0\s+1\/1\s+Running\s+0\s+\S+\nshop\s+db-1\s+1\/1\s+Running\s+/);
      assert.equal(all.stdout.trim().split('\n').length, 3);
      const none = await pn(['get', 'pods', '-n', 'shop', '-l', 'app=nothing']);
      assert.equal(none.code, 0);
      assert.equal(none.stdout, '');
      assert.match(none.stderr, /No resources found in shop namespace\./);
    });

    test('a missing object and an unknown type exit 1 with kubectl\'s messages', async () => {
      const missing = await pn(['get', 'pods', 'nope']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
      const unknown = await pn(['get', 'foos']);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr.trim(), 'error: the server doesn\'t have a resource type "foos"');
    });
  });

  describe('scale', () => {
    test('podnet scale patches the scale subresource; GET .../scale is an autoscaling/v1 Scale; kinds without one are 404', async () => {
      const made = await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: scaler}
spec:
  replicas: 1
  selector: {matchLabels: {app: scaler}}
  template:
    metadata: {labels: {app: scaler}}
    spec:
      nodeSelector: {podnet.dev/test: none}
      containers: [{name: c, image: podnet/pause}]
`);
      assert.equal(made.code, 0, made.stderr);
      const r = await pn(['scale', '--replicas=3', 'deployment/scaler']);
      assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/scaler scaled\n'], r.stderr);
      const scale = await apiClient().raw('GET', '/apis/apps/v1/namespaces/default/deployments/scaler/scale');
      assert.equal(scale.status, 200);
      const s = JSON.parse(scale.body) as { apiVersion: string; kind: string; spec: { replicas: number }; status: { selector: string } };
      assert.deepEqual([s.apiVersion, s.kind, s.spec.replicas, s.status.selector], ['autoscaling/v1', 'Scale', 3, 'app=scaler']);
      await eventually('3 pods of scaler', async () => (await json<{ items: unknown[] }>(['get', 'pods', '-l', 'app=scaler'])).items.length === 3);
      const negative = await apiClient().raw('PUT', '/apis/apps/v1/namespaces/default/deployments/scaler/scale', { ...JSON.parse(scale.body), spec: { replicas: -1 } });
      assert.equal(negative.status, 422);
      const pod = await pn(['scale', '--replicas=2', 'pod/nope']);
      assert.deepEqual([pod.code, pod.stderr.trim()], [1, 'Error from server (NotFound): the server could not find the requested resource']);
      const missing = await pn(['scale', 'deployment/scaler']);
      assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'error: required flag(s) "replicas" not set']);
      assert.equal((await pn(['delete', 'deployment', 'scaler'])).code, 0);
    });
  });

  describe('scheduler', () => {
    test('a pod whose nodeSelector matches no node stays Pending with PodScheduled=False and a FailedScheduling event', async () => {
      const r = await apply('apiVersion: v1\nkind: Pod\nmetadata: {name: picky}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: podnet/echo}]\n');
      assert.equal(r.code, 0, r.stderr);
      const pod = await eventually('PodScheduled=False', async () => {
        const p = await json<Pod>(['get', 'pod', 'picky']);
        return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
      });
      assert.equal(pod.status!.phase, 'Pending');
      assert.equal(pod.spec.nodeName, undefined);
      const cond = pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
      assert.equal(cond.reason, 'Unschedulable');
      assert.equal(cond.message, '0/2 nodes are available: 2 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
      const d = await eventually('the FailedScheduling event', async () => {
        const out = (await pn(['describe', 'pod', 'picky'])).stdout;
        return /FailedScheduling/.test(out) ? out : undefined;
      });
      assert.match(d, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/2 nodes are available: 2 Preemption is not helpful for scheduling\./);
    });

    test('wait on a pod that does not exist fails at once with NotFound, as kubectl does', async () => {
      const r = await pn(['wait', '--for=condition=Ready', 'pod/no-such-pod', '--timeout=60s']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "no-such-pod" not found');
    });

    test('wait --for=delete on nothing succeeds at once, and --for=jsonpath waits on a field, as kubectl', async () => {
      for (const args of [['pods', '-l', 'app=nothing-has-this'], ['pod/no-such-pod']]) {
        const r = await pn(['wait', '--for=delete', ...args, '--timeout=5s']);
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], args.join(' '));
      }
      const phase = await pn(['wait', '--for=jsonpath={.status.phase}=Pending', 'pod/picky', '--timeout=5s']);
      assert.deepEqual([phase.code, phase.stdout], [0, 'pod/picky condition met\n'], phase.stderr);
      const never = await pn(['wait', '--for=jsonpath={.status.podIP}', 'pod/picky', '--timeout=1s']);
      assert.deepEqual([never.code, never.stderr.trim()], [1, 'error: timed out waiting for the condition on pods/picky']);
    });

    test('wait --timeout=1s on a pod that never becomes Ready exits 1 with a timeout message', async () => {
      const r = await pn(['wait', '--for=condition=Ready', 'pod/picky', '--timeout=1s']);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim(), 'error: timed out waiting for the condition on pods/picky');
    });

    test('labelling a node so that the waiting pod\'s nodeSelector matches places the pod there', async () => {
      const client = apiClient();
      try {
        await client.patch('nodes', undefined, 'node-1', { metadata: { labels: { disk: 'ssd' } } });
      } finally {
        client.close();
      }
      const pod = await eventually('picky bound', async () => {
        const p = await json<Pod>(['get', 'pod', 'picky']);
        return p.spec.nodeName ? p : undefined;
      });
      assert.equal(pod.spec.nodeName, 'node-1');
    });

    test('nodeName: node-2 is honoured', async () => {
      const r = await apply('apiVersion: v1\nkind: Pod\nmetadata: {name: pinned, labels: {app: pinned}}\nspec:\n  nodeName: node-2\n  containers: [{name: c, image: podnet/echo}]\n');
      assert.equal(r.code, 0, r.stderr);
      const w = await pn(['wait', '--for=condition=Ready', 'pod/pinned', '--timeout=30s']);
      assert.equal(w.code, 0, w.stderr);
      const p = await json<Pod>(['get', 'pod', 'pinned']);
      assert.equal(p.spec.nodeName, 'node-2');
      assert.equal(p.status!.hostIP, '172.18.0.3');
      assert.match(p.status!.podIP!, /^10\.244\.1\.\d+$/);
    });

    test('wait --for=delete returns once the pod is gone', async () => {
      const d = await pn(['delete', 'pod', 'pinned', '--wait=false']);
      assert.equal(d.code, 0, d.stderr);
      const w = await pn(['wait', '--for=delete', 'pod/pinned', '--timeout=40s']);
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, 'pod/pinned condition met\n');
      assert.equal((await pn(['get', 'pod', 'pinned'])).code, 1);
    });
  });

  describe('EndpointSlice readiness', () => {
    test('a pod failing its readiness probe is ready=false; publishNotReadyAddresses makes it ready=true', async () => {
      const r = await apply(`apiVersion: v1
kind: Pod
metadata: {name: unready, labels: {app: unready}}
spec:
  containers:
    - name: c
      image: podnet/echo
      ports: [{name: http, containerPort: 8080}]
      readinessProbe: {httpGet: {path: /, port: 9999}, periodSeconds: 1}
---
${service('unready', '  selector: {app: unready}\n  ports: [{port: 80, targetPort: http}]\n')}
---
${service('unready-published', '  selector: {app: unready}\n  publishNotReadyAddresses: true\n  ports: [{port: 80, targetPort: http}]\n')}
`);
      assert.equal(r.code, 0, r.stderr);
      const slices = await eventually('both slices with the pod\'s address', async () => {
        const list = await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name in (unready,unready-published)']);
        const withPod = list.items.filter((s) => s.endpoints?.some((e) => e.targetRef?.name === 'unready'));
        return withPod.length === 2 ? list.items : undefined;
      }, 30_000, 200);
      const pod = await json<Pod>(['get', 'pod', 'unready']);
      assert.equal(pod.status!.phase, 'Running');
      assert.equal(pod.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
      const of = (svc: string) => slices.find((s) => s.metadata.labels!['kubernetes.io/service-name'] === svc)!;
      const plain = of('unready').endpoints![0]!;
      assert.deepEqual(plain.addresses, [pod.status!.podIP]);
      assert.deepEqual(plain.conditions, { ready: false, serving: false, terminating: false });
      const published = of('unready-published').endpoints![0]!;
      assert.deepEqual(published.conditions, { ready: true, serving: true, terminating: false });
      assert.deepEqual(of('unready').ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
    });

    test('a readiness gate keeps a running pod out of its Service until another client sets the gate\'s condition True', async () => {
      const r = await apply(`apiVersion: v1
kind: Pod
metadata: {name: gated, labels: {app: gated}}
spec:
  readinessGates: [{conditionType: example.com/lb-registered}]
  containers: [{name: c, image: podnet/echo, ports: [{containerPort: 8080}]}]
---
${service('gated', '  selector: {app: gated}\n  ports: [{port: 80, targetPort: 8080}]\n')}
`);
      assert.equal(r.code, 0, r.stderr);
      const readyOf = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready');
      const waiting = await eventually('the pod running, held back by its gate', async () => {
        const p = await json<Pod>(['get', 'pod', 'gated']);
        return p.status?.phase === 'Running' && readyOf(p)?.reason === 'ReadinessGatesNotReady' ? p : undefined;
      }, 30_000, 200);
      assert.equal(readyOf(waiting)!.message, 'corresponding condition of pod readiness gate "example.com/lb-registered" does not exist.');
      assert.equal(waiting.status!.conditions!.find((c) => c.type === 'ContainersReady')!.status, 'True');
      const sliceReady = async () => {
        const list = await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=gated']);
        return list.items.flatMap((s) => s.endpoints ?? []).map((e) => e.conditions?.ready);
      };
      assert.deepEqual(await sliceReady(), [false]);
      // what a load-balancer controller does once the pod is registered: a strategic merge patch of the status
      const client = apiClient();
      try {
        const condition = { type: 'example.com/lb-registered', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
        await client.patch('pods', 'default', 'gated', { status: { conditions: [condition] } }, { subresource: 'status', patchType: 'strategic' });
      } finally { client.close(); }
      const ready = await eventually('Ready once the gate is True', async () => {
        const p = await json<Pod>(['get', 'pod', 'gated']);
        return readyOf(p)?.status === 'True' ? p : undefined;
      }, 15_000, 100);
      // the gate's condition stays, next to the kubelet's own, with no leftover reason or message on Ready
      assert.deepEqual(ready.status!.conditions!.map((c) => `${c.type}=${c.status}`),
        ['example.com/lb-registered=True', 'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
      assert.deepEqual([readyOf(ready)!.reason, readyOf(ready)!.message], [undefined, undefined]);
      await eventually('the endpoint ready', async () => ((await sliceReady())[0] === true ? true : undefined), 15_000, 100);
    });
  });
});
