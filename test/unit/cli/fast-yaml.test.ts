import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { readFastDocument } from '../../../src/cli/fast-yaml.js';
import { PARSE_OPTIONS } from '../../../src/cli/manifest.js';
import { seededRandom } from '../../support/seeded-random.js';

/** What the `yaml` package makes of a document, with the options podnet's manifest reader uses. */
function reference(text: string): { value: unknown; line: number; errors: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
  if (doc.errors.length > 0) return { value: undefined, line: 0, errors: doc.errors.length };
  const value = doc.contents === null ? null : doc.toJS({ maxAliasCount: 100 });
  return { value, line: doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : 1, errors: 0 };
}

/** When the js-yaml reader answers, it answers exactly as the `yaml` package does. */
function assertAgrees(text: string): boolean {
  const fast = readFastDocument(text);
  if (!fast) return false;
  const ref = reference(text);
  assert.equal(ref.errors, 0, `js-yaml accepted a text the yaml package refuses:\n${text}`);
  assert.deepStrictEqual(fast.value, ref.value, `different values for:\n${text}`);
  if (fast.value !== null) assert.equal(fast.line, ref.line, `different lines for:\n${text}`);
  return true;
}

const READ = [
  ['a Deployment in block and flow style', `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-0, namespace: bench}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-0}}
  template:
    metadata: {labels: {app: app-0}}
    spec:
      nodeSelector: {podnet.dev/bench: none}
      containers:
        - name: echo
          image: podnet/echo
          ports: [{name: http, containerPort: 8080}]
`],
  ['a sequence at its key\'s indentation, comments and blank lines', `# leading comment
apiVersion: v1   # trailing comment
kind: Pod

metadata:
  name: p
    # a comment deeper than anything
spec:
  containers:
  - name: c
    command: [sh, -c, "echo a, b # not a comment"]
    args:
    - --port=8080
    - 'it''s'
    env:
    - name: A
      value: "1"
  - name: d
`],
  ['core schema scalars', `a: ~
b: null
c: Null
d: true
e: False
f: 0o17
g: 0x1F
h: -12
i: +3
j: 1.50
k: .5
l: 1e3
m: -.Inf
n: .nan
o: yes
p: 1_000
q: 0123
r: 25%
s: http://example.com:80/x?y=z
t: a#b
u: "quoted # text"
v: ''
w:
x: [~, true, 1, 2.5, .inf, plain text]
y: {}
z: []
`],
  ['quoted keys', `"app.kubernetes.io/name": web
'single': 2
"": empty
`],
  ['only comments after the marker', '--- # a comment\n# another\n'],
] as const;

/** The rest of the syntax, read the same way. */
const ALSO_READ = [
  ['a tag', 'a: !!str 1\n'],
  ['a block scalar', 'a: |\n  text\n'],
  ['a multi-line plain scalar', 'a: one\n  two\n'],
  ['a double-quoted escape', 'a: "x\\ty"\n'],
  ['a flow collection over several lines', 'a: [1,\n  2]\n'],
  ['a numeric key', '80: http\n'],
  ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
  ['text after the document marker', '--- {a: 1}\n'],
  ['a compact nested sequence', 'a:\n- - 1\n'],
  ['non-ASCII text', 'a: é\n'],
  ['binary and signed hex stay strings (YAML 1.2)', 'a: 0b11\nb: +0x1\nc: -0o7\nd: 1_000\n'],
  ['leading-zero octal integers (go-yaml), quoted and as keys', "a: 0400\nb: [-0644, +0755, '0400', \"0644\"]\n0644: k\nc: !!int 0400\n"],
] as const;

for (const [name, text] of [...READ, ...ALSO_READ]) {
  test(`js-yaml reads like the yaml package: ${name}`, () => {
    assert.ok(assertAgrees(text), `expected js-yaml to take:\n${text}`);
  });
}

// kubectl reads manifests with go-yaml v2, where Go's strconv.ParseInt(s, 0, 64)
// makes a leading 0 octal (08 and 09 fail as octal and go-yaml reads them as
// decimal numbers); the scalars go-yaml reads otherwise than YAML 1.2 in other
// ways (1_000, -0o7) stay YAML 1.2, see ALSO_READ.
const GO_YAML_INTEGERS = [
  ['0400', 256], ['0644', 420], ['0777', 511], ['-0400', -256], ['+0400', 256], ['00', 0], ['0', 0],
  ['08', 8], ['09', 9], ['0o400', 256], ['400', 400], ['-12', -12], ['0x1F', 31],
  ["'0400'", '0400'], ['"0644"', '0644'],
] as const;

test('a leading 0 makes an octal integer, as kubectl (go-yaml v2) reads it; quoted, it stays a string', () => {
  const text = GO_YAML_INTEGERS.map(([scalar], i) => `k${i}: ${scalar}\n`).join('');
  const expected = Object.fromEntries(GO_YAML_INTEGERS.map(([, value], i) => [`k${i}`, value]));
  assert.deepStrictEqual(readFastDocument(text)?.value, expected);
  assert.deepStrictEqual(reference(text).value, expected);
});

const LEFT_TO_THE_YAML_PACKAGE = [
  ['an anchor and alias (the yaml package guards against alias bombs)', 'a: &x 1\nb: *x\n'],
  ['a duplicate key', 'a: 1\na: 2\n'],
  ['a merge key', 'a: {x: 1}\nb:\n  <<: {y: 2}\n  z: 3\n'],
  ['a root sequence', '- a\n- b\n'],
  ['a root scalar', 'just text\n'],
  ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
  ['a value that is a mapping on one line', 'a: b: c\n'],
  ['an unterminated flow sequence', 'a: [1, 2\n'],
  ['a tab as indentation', 'a:\n\tb: 1\n'],
  ['an unknown tag', 'a: !!binary aGVsbG8=\n'],
  ['an item alone on its line (js-yaml can attach what follows to the wrong collection)', 'a:\n  b:\n    -\n- c\n'],
  ['a quoted scalar over several lines (js-yaml is lax about their indentation)', "a: 'one\n'b': 1\n"],
] as const;

for (const [name, text] of LEFT_TO_THE_YAML_PACKAGE) {
  test(`js-yaml reader leaves to the yaml package: ${name}`, () => {
    assert.equal(readFastDocument(text), undefined);
  });
}

test('js-yaml reader agrees with the yaml package on the repository\'s manifests', () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.ya?ml$/.test(e.name)) files.push(join(dir, e.name));
    }
  };
  walk(root);
  let taken = 0;
  for (const f of files) {
    for (const chunk of readFileSync(f, 'utf8').split(/^(?=---(?:[ \t]|$))/m)) if (assertAgrees(chunk)) taken++;
  }
  assert.ok(files.length > 0 && taken > 0, `read ${taken} documents of ${files.length} files`);
});

const KEYS = ['name', 'app', 'image', 'podnet.dev/bench', 'a-b_c', 'x', 'y', 'z', 'ports', 'k8s.io/x', '"q k"', "'s'", '_'];
const EDGE_KEYS = ['null', 'True', '1', '<<', 'a b', 'a:b', '-a', '.inf', '__proto__'];
const SCALARS = [
  'web', 'podnet/echo', '8080', '-1', '+2', '0o17', '0x1f', '0x1G', '1.0', '.5', '1e3', '1E-2', '.inf', '-.INF', '.NaN', 'NaN', '~', 'null', 'NULL',
  'true', 'FALSE', 'yes', 'no', 'on', '1_000', '007', '0400', '-0644', '+0755', '00', '08', "'0400'", '25%', 'a#b', 'a:b', '-x', '--port=80', '"dq"', '"d # q"', "'s''q'", 'a, b', 'a]b', 'x  y', '',
  '{a: 1, b: [x, y]}', '[1, 2]', '[]', '{}', '[a, [b, {c: d}]]', '{a: b} # c', '"x" # c', 'http://h:80/p?q=1', '(x)', 'a=b', '$HOME', 'a;b',
];
const EDGE_SCALARS = [
  'a #b', 'a: b', 'a:', '- x', "'unterminated", '"a\\nb"', '&anchor v', '*alias', '!tag v', '|', '>-', '@at', '`tick', '%pct', '?q', ':c', 'é',
  '[1, 2,]', '{a: }', '[a: b]', '{a: 1, a: 2}', '{"k": v}', '[x # c]', '"x"y', '[a, b', '{a: b}}', '"x\ty"', "'a''", '-',
];

function pick<T>(rnd: () => number, list: readonly T[]): T { return list[Math.floor(rnd() * list.length)]!; }
const key = (rnd: () => number): string => pick(rnd, rnd() < 0.1 ? EDGE_KEYS : KEYS);
const scalar = (rnd: () => number): string => pick(rnd, rnd() < 0.1 ? EDGE_SCALARS : SCALARS);

/** A random manifest-like document: mostly plain, sometimes with the edges of the syntax. */
function generate(rnd: () => number): string {
  const lines: string[] = [];
  if (rnd() < 0.5) lines.push(pick(rnd, ['---', '--- # c', '---  ']));
  const block = (indent: number, depth: number, kind: 'map' | 'seq', firstPrefix?: string): void => {
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      let pad = ' '.repeat(indent);
      if (i === 0 && firstPrefix !== undefined) pad = firstPrefix;
      if (rnd() < 0.02) pad += ' '; // broken indentation
      if (rnd() < 0.1) lines.push(`${' '.repeat(Math.floor(rnd() * 6))}${pick(rnd, ['# comment', '', '#'])}`);
      if (kind === 'map') {
        const k = key(rnd);
        if (depth < 3 && rnd() < 0.35) {
          lines.push(`${pad}${k}:${rnd() < 0.2 ? ' # c' : ''}`);
          const sub = rnd() < 0.5 ? 'map' : 'seq';
          const step = sub === 'seq' && rnd() < 0.4 ? 0 : pick(rnd, [2, 4]);
          block(indent + step, depth + 1, sub);
        } else {
          lines.push(`${pad}${k}: ${scalar(rnd)}${rnd() < 0.1 ? ' # trailing' : ''}`);
        }
      } else if (depth < 3 && rnd() < 0.35) {
        // a compact mapping item
        block(indent + 2, depth + 1, 'map', `${pad}- `);
      } else if (depth < 3 && rnd() < 0.1) {
        lines.push(`${pad}-`);
        block(indent + 2, depth + 1, rnd() < 0.5 ? 'map' : 'seq');
      } else {
        lines.push(`${pad}- ${scalar(rnd)}`);
      }
    }
  };
  block(0, 0, 'map');
  return `${lines.join('\n')}\n`;
}

// FAST_YAML_FUZZ=N compares N documents instead
test('js-yaml reader agrees with the yaml package on 5,000 generated documents', () => {
  const rnd = seededRandom(20261127);
  let taken = 0;
  for (let i = 0; i < Number(process.env.FAST_YAML_FUZZ ?? 5000); i++) if (assertAgrees(generate(rnd))) taken++;
  // the comparison means something only when the reader took a fair share
  assert.ok(taken > 1000, `js-yaml took ${taken} of 5,000`);
});
