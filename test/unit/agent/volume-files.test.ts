import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, ResourceFieldSelector, Secret, Volume } from '../../../src/api/types.js';
import {
  formatMap, isProjectedVolume, projectVolume, strconvQuote, type Projection, type VolumeSources,
} from '../../../src/agent/volume-files.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const pod: Pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name: 'web-1', namespace: 'shop', uid: 'u-123',
    labels: { app: 'web', 'tier.example.com/role': 'front' },
    annotations: { note: 'say "hi"\nthen\tgo', empty: '' },
  },
  spec: { containers: [{ name: 'app', resources: { limits: { cpu: '500m' } } }], initContainers: [{ name: 'setup' }] },
};

const configMaps: ConfigMap[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data: { 'app.yaml': 'port: 80\n', 'log.level': 'info' }, binaryData: { 'logo.bin': Buffer.from([0, 255, 1]).toString('base64') } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'shop' }, data: { 'app.yaml': 'from other\n', extra: 'x' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'elsewhere' }, data: { wrong: 'namespace' } },
];
const secrets: Secret[] = [
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: b64('s3cret'), user: b64('admin') } },
];

/** Looks up by namespace and name; resources answer limits.cpu of "app" in cores, nothing else. */
const sources: VolumeSources = {
  configMap: (ns, name) => configMaps.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
  secret: (ns, name) => secrets.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  resource: (container: string, ref: ResourceFieldSelector) => (container === 'app' && ref.resource === 'limits.cpu' ? '1' : undefined),
};

/** files as [path, text, mode] rows (binary content as hex, prefixed `hex:`) */
function rows(projection: Projection | undefined): [string, string, number][] | { error: string } | undefined {
  if (!projection) return undefined;
  if ('error' in projection) return { error: projection.error };
  return projection.files.map((f) => {
    const text = f.content.toString('utf8');
    return [f.path, Buffer.from(text, 'utf8').equals(f.content) ? text : `hex:${f.content.toString('hex')}`, f.mode];
  });
}

const project = (volume: Omit<Volume, 'name'>) => rows(projectVolume(pod, { name: 'v', ...volume } as Volume, sources));

test('isProjectedVolume: configMap, secret, downwardAPI and projected are written by the agent; other sources are not', () => {
  const cases: [Omit<Volume, 'name'>, boolean][] = [
    [{ configMap: { name: 'c' } }, true],
    [{ secret: { secretName: 's' } }, true],
    [{ downwardAPI: { items: [] } }, true],
    [{ projected: { sources: [] } }, true],
    [{ emptyDir: {} }, false],
    [{ hostPath: { path: '/tmp' } }, false],
    [{ persistentVolumeClaim: { claimName: 'data' } }, false],
  ];
  for (const [volume, expected] of cases) {
    assert.equal(isProjectedVolume({ name: 'v', ...volume } as Volume), expected, JSON.stringify(volume));
    if (!expected) assert.equal(projectVolume(pod, { name: 'v', ...volume } as Volume, sources), undefined);
  }
});

test('configMap: every data and binaryData key as a file with defaultMode 0644, sorted by path, from the pod\'s namespace', () => {
  assert.deepEqual(project({ configMap: { name: 'app-config' } }), [
    ['app.yaml', 'port: 80\n', 0o644],
    ['log.level', 'info', 0o644],
    ['logo.bin', 'hex:00ff01', 0o644],
  ]);
});

test('configMap: items pick keys (data or binaryData) to paths, with per-item modes over defaultMode', () => {
  assert.deepEqual(project({ configMap: { name: 'app-config', defaultMode: 0o400, items: [
    { key: 'log.level', path: 'conf/level' },
    { key: 'logo.bin', path: 'img/logo', mode: 0o600 },
  ] } }), [
    ['conf/level', 'info', 0o400],
    ['img/logo', 'hex:00ff01', 0o600],
  ]);
});

test('configMap errors and optional: missing map, missing item key', () => {
  const cases: [Omit<Volume, 'name'>, ReturnType<typeof rows>][] = [
    [{ configMap: { name: 'nope' } }, { error: 'configmap "nope" not found' }],
    [{ configMap: { name: 'nope', optional: true } }, []],
    [{ configMap: { name: 'nope', optional: true, items: [{ key: 'a', path: 'a' }] } }, []],
    [{ configMap: { name: 'app-config', items: [{ key: 'missing', path: 'm' }] } }, { error: 'configmap references non-existent config key: missing' }],
    [{ configMap: { name: 'app-config', optional: true, items: [{ key: 'missing', path: 'm' }, { key: 'log.level', path: 'l' }] } }, [['l', 'info', 0o644]]],
  ];
  for (const [volume, expected] of cases) assert.deepEqual(project(volume), expected, JSON.stringify(volume));
});

test('secret: base64-decoded data as files, items, modes, and the secret plugin\'s errors', () => {
  const cases: [Omit<Volume, 'name'>, ReturnType<typeof rows>][] = [
    [{ secret: { secretName: 'db' } }, [['password', 's3cret', 0o644], ['user', 'admin', 0o644]]],
    [{ secret: { secretName: 'db', defaultMode: 0o440, items: [{ key: 'password', path: 'pw' }, { key: 'user', path: 'u', mode: 0o400 }] } }, [['pw', 's3cret', 0o440], ['u', 'admin', 0o400]]],
    [{ secret: { secretName: 'nope' } }, { error: 'secret "nope" not found' }],
    [{ secret: { secretName: 'nope', optional: true } }, []],
    [{ secret: { secretName: 'db', items: [{ key: 'token', path: 't' }] } }, { error: 'references non-existent secret key: token' }],
    [{ secret: { secretName: 'db', optional: true, items: [{ key: 'token', path: 't' }] } }, []],
  ];
  for (const [volume, expected] of cases) assert.deepEqual(project(volume), expected, JSON.stringify(volume));
});

test('downwardAPI: pod metadata fields, whole label and annotation maps, single keys, per-item modes', () => {
  assert.deepEqual(project({ downwardAPI: { items: [
    { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
    { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
    { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o400 },
    { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
    { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
    { path: 'meta/role', fieldRef: { fieldPath: "metadata.labels['tier.example.com/role']" } },
    { path: 'meta/note', fieldRef: { fieldPath: "metadata.annotations['note']" } },
    { path: 'meta/absent', fieldRef: { fieldPath: "metadata.labels['absent']" } },
  ] } }), [
    ['annotations', 'empty=""\nnote="say \\"hi\\"\\nthen\\tgo"', 0o644],
    ['labels', 'app="web"\ntier.example.com/role="front"', 0o644],
    ['meta/absent', '', 0o644],
    ['meta/note', 'say "hi"\nthen\tgo', 0o644],
    ['meta/role', 'front', 0o644],
    ['name', 'web-1', 0o644],
    ['namespace', 'shop', 0o644],
    ['uid', 'u-123', 0o400],
  ]);
});

test('downwardAPI: resourceFieldRef through the sources, with the container named; defaultMode applies', () => {
  assert.deepEqual(project({ downwardAPI: { defaultMode: 0o444, items: [
    { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
  ] } }), [['cpu', '1', 0o444]]);
});

test('downwardAPI errors: every failing item is reported, as one aggregate', () => {
  const cases: [Omit<Volume, 'name'>, ReturnType<typeof rows>][] = [
    [{ downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'spec.nodeName' } }] } }, { error: 'unsupported fieldPath: spec.nodeName' }],
    [{ downwardAPI: { items: [{ path: 'x', fieldRef: { fieldPath: "metadata.name['x']" } }] } }, { error: 'fieldPath "metadata.name[\'x\']" does not support subscript' }],
    [{ downwardAPI: { items: [{ path: 'c', resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu' } }] } }, { error: 'container ghost not found' }],
    [{ downwardAPI: { items: [{ path: 'c', resourceFieldRef: { containerName: 'setup', resource: 'limits.memory' } }] } }, { error: 'unsupported container resource : limits.memory' }],
    [{ downwardAPI: { items: [{ path: 'c', resourceFieldRef: { resource: 'limits.cpu' } }] } }, { error: 'downward API file "c": resourceFieldRef limits.cpu names no containerName, which a volume requires' }],
    [{ downwardAPI: { items: [
      { path: 'a', fieldRef: { fieldPath: 'status.podIP' } },
      { path: 'ok', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'b', fieldRef: { fieldPath: 'status.podIP' } },
      { path: 'c', fieldRef: { fieldPath: 'spec.nodeName' } },
    ] } }, { error: '[unsupported fieldPath: status.podIP, unsupported fieldPath: spec.nodeName]' }],
  ];
  for (const [volume, expected] of cases) assert.deepEqual(project(volume), expected, JSON.stringify(volume));
});

test('fieldpath.FormatMap: sorted key="value" lines, no trailing newline, values quoted as Go %q', () => {
  assert.equal(formatMap(undefined), '');
  assert.equal(formatMap({}), '');
  assert.equal(formatMap({ b: '2', a: 'x"y', c: 'line1\nline2' }), 'a="x\\"y"\nb="2"\nc="line1\\nline2"');
  // where Go's %q and JSON part ways: \a, DEL, a no-break space
  assert.equal(formatMap({ bell: 'ding\x07', del: '\x7f', nbsp: 'a\u00a0b' }), 'bell="ding\\a"\ndel="\\x7f"\nnbsp="a\\u00a0b"');
});

test('strconvQuote escapes as Go\'s strconv.Quote, not as JSON', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['back\\slash "q"', '"back\\\\slash \\"q\\""'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['caf\u00e9 \u65e5\u672c \u{1f600}', '"caf\u00e9 \u65e5\u672c \u{1f600}"'],
    ['nb\u00a0sp', '"nb\\u00a0sp"'],
    ['soft\u00adhyphen \u2028', '"soft\\u00adhyphen \\u2028"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['lone \ud800', '"lone \ufffd"'],
  ];
  for (const [raw, quoted] of cases) assert.equal(strconvQuote(raw), quoted, JSON.stringify(raw));
});

test('projected: sources in order with the volume\'s defaultMode, a later source\'s file replacing an earlier one at the same path', () => {
  assert.deepEqual(project({ projected: { defaultMode: 0o440, sources: [
    { configMap: { name: 'app-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
    { secret: { name: 'db', items: [{ key: 'password', path: 'creds/password', mode: 0o400 }] } },
    { downwardAPI: { items: [{ path: 'podname', fieldRef: { fieldPath: 'metadata.name' } }] } },
    { configMap: { name: 'other' } },
  ] } }), [
    ['app.yaml', 'from other\n', 0o440],
    ['creds/password', 's3cret', 0o400],
    ['extra', 'x', 0o440],
    ['podname', 'web-1', 0o440],
  ]);
  assert.deepEqual(project({ projected: { sources: [{ configMap: { name: 'other', items: [{ key: 'extra', path: 'e' }] } }] } }), [['e', 'x', 0o644]]);
});

test('projected: serviceAccountToken and unknown sources write nothing and warn once each', () => {
  const projection = projectVolume(pod, { name: 'kube-api-access', projected: { sources: [
    { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
    { clusterTrustBundle: { signerName: 'x', path: 'bundle.pem' } },
    { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
  ] } }, sources);
  assert.ok(projection && 'files' in projection);
  assert.deepEqual(projection.files.map((f) => f.path), ['namespace']);
  assert.deepEqual(projection.warnings, [
    'serviceAccountToken projection "token" writes no file: podnet issues no service account tokens',
    'projected volume source clusterTrustBundle writes no file: podnet does not support it',
  ]);
});

test('projected errors: each failing source is reported, and optional sources are skipped', () => {
  const cases: [Omit<Volume, 'name'>, ReturnType<typeof rows>][] = [
    [{ projected: { sources: [{ configMap: { name: 'nope' } }, { secret: { name: 'db', items: [{ key: 'k', path: 'k' }] } }] } },
      { error: '[configmap "nope" not found, references non-existent secret key: k]' }],
    [{ projected: { sources: [{ secret: { name: 'gone', optional: true } }, { configMap: { name: 'nope', optional: true } }] } }, []],
  ];
  for (const [volume, expected] of cases) assert.deepEqual(project(volume), expected, JSON.stringify(volume));
});

test('paths are cleaned, and a path that would leave the volume or take the writer\'s `..` names is an error', () => {
  assert.deepEqual(project({ configMap: { name: 'app-config', items: [{ key: 'log.level', path: 'a//b/./c/' }] } }), [['a/b/c', 'info', 0o644]]);
  const bad: [string, string][] = [
    ['../escape', "invalid path \"../escape\": must not contain '..'"],
    ['a/../b', "invalid path \"a/../b\": must not contain '..'"],
    ['/etc/passwd', 'invalid path "/etc/passwd": must be a relative path'],
    ['..data', "invalid path \"..data\": must not start with '..', which the volume writer reserves"],
    ['./', 'invalid path "./": must name a file inside the volume'],
    ['', 'invalid path "": must name a file inside the volume'],
  ];
  for (const [p, error] of bad) {
    assert.deepEqual(project({ configMap: { name: 'app-config', items: [{ key: 'log.level', path: p }] } }), { error }, p);
    assert.deepEqual(project({ downwardAPI: { items: [{ path: p, fieldRef: { fieldPath: 'metadata.name' } }] } }), { error }, p);
  }
});
