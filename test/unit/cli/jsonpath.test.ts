// kubectl's JSONPath templates: the rows of the Kubernetes "JSONPath Support"
// page on its own input, then each part of the language, with the outputs and
// messages kubectl v1.32 gives for the same template and object.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.js';
import {
  executeJsonPath, findResults, goText, jsonPathPrinter, parseJsonPath, relaxedJsonPathExpression,
} from '../../../src/cli/printers/jsonpath.js';
import { objectsPrinter } from '../../../src/cli/commands/get.js';

/** The input of the "JSONPath Support" page. */
const DOC = {
  kind: 'List',
  items: [
    { kind: 'None', metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } }, status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] } },
    { kind: 'None', metadata: { name: '127.0.0.2' }, status: { capacity: { cpu: '8' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.2' }, { type: 'another', address: '127.0.0.3' }] } },
  ],
  users: [{ name: 'myself', user: {} }, { name: 'e2e', user: { username: 'admin', password: 'secret' } }],
};

/** A pod with the value kinds a template meets: numbers of both Go kinds, null, an empty string. */
const POD = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', labels: { app: 'web', 'kubernetes.io/hostname': 'node-1' } },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443 }] }, { name: 'side', image: 'busybox' }] },
  status: {
    phase: 'Running', podIP: '10.244.1.5', empty: '', nothing: null, restarts: 3, ratio: 1.5, tiny: 0.00001, big: 1234567.5, ready: true,
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'False' }],
    nested: { b: 1, a: [1, 'x'], c: { d: 'e' } },
  },
};

const run = (template: string, data: unknown = POD, allowMissingKeys = true) => executeJsonPath(parseJsonPath(template), data, { allowMissingKeys });

/** Runs the rows; each is [template, expected output] on `data`. */
function rows(data: unknown, table: [string, string][]): void {
  for (const [template, expected] of table) assert.equal(run(template, data), expected, template);
}

test('the rows of the JSONPath Support page (maps print as JSON, as kubectl prints them now)', () => {
  rows(DOC, [
    ['kind is {.kind}', 'kind is List'],
    ['{.kind}', 'List'],
    ["{['kind']}", 'List'],
    ['{..name}', '127.0.0.1 127.0.0.2 myself e2e'],
    ['{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'],
    ['{.users[0].name}', 'myself'],
    ["{.items[*]['metadata.name', 'status.capacity']}", '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['{.users[?(@.name=="e2e")].user.password}', 'secret'],
    ['{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ["{range .items[*]}{.metadata.name}{'\\t'}{end}", '127.0.0.1\t127.0.0.2\t'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
  ]);
  assert.deepEqual(JSON.parse(run('{@}', DOC)), DOC);
});

test('fields, indices, slices and wildcards', () => {
  rows(POD, [
    ['{.metadata.name}', 'web-1'],
    ['{.spec.containers[*].name}', 'c side'],
    ['{.spec.containers[-1].name}', 'side'],
    ['{.spec.containers[-1:].image}', 'busybox'],
    ['{.spec.containers[0:1].image}', 'nginx'],
    ['{.status.conditions[::2].type}', 'Ready Initialized'],
    ['{.status.conditions[:-1].type}', 'Ready PodScheduled'],
    ['{.status.conditions[1:1]}', ''],
    ['{.status.conditions[3:]}', ''],
    ['{.spec.containers[*].ports[*].containerPort}', '80 443'],
    ['{.metadata.labels.*}', 'web node-1'],
    ['{.status.nested.*}', '[1,"x"] 1 {"d":"e"}'],
    // a string's wildcard is its bytes, as Go indexes a string
    ['{.metadata.name.*}', '119 101 98 45 49'],
    ["{.metadata['labels']['app']}", 'web'],
    ['{.spec.containers[0,1].name}', 'c side'],
    ['{.spec.containers[0, 1].image}', 'nginx busybox'],
    ["{.spec.containers[0]['name','image']}", 'c nginx'],
    ['{.metadata..app}', 'web'],
    ['{..containerPort}', '80 443'],
    ['{.status.nested..d}', 'e'],
    ['{@.metadata.name}{$.metadata.name}', 'web-1web-1'],
    ['{ .metadata.name }', 'web-1'],
    ['{.metadata.na\\me}', 'web-1'],
    // a quoted key is read as a path: its dots separate fields, as in kubectl
    ["{.metadata.labels['kubernetes.io/hostname']}", ''],
    ['{.metadata.labels.kubernetes\\.io/hostname}', 'node-1'],
  ]);
  // kubectl stops at the first list whose slice is empty, dropping the lists after it
  assert.equal(run('{.lists[*][1:]}|{.rev[*][1:]}', { lists: [[1], [2, 3]], rev: [[2, 3], [1]] }), '|3');
  // `..` visits each value before what it holds
  assert.equal(run('{..name}', { name: 'outer', child: { name: 'inner' } }), 'outer inner');
});

test('values print as kubectl prints them: strings raw, maps and lists as compact JSON, numbers as Go does', () => {
  rows(POD, [
    ['{.status.restarts} {.status.ratio} {.status.tiny} {.status.big} {.status.ready} {.status.nothing} [{.status.empty}]', '3 1.5 1e-05 1.2345675e+06 true null []'],
    ['{.status.nested}', '{"a":[1,"x"],"b":1,"c":{"d":"e"}}'],
    ['{.status.conditions[0]}', '{"status":"True","type":"Ready"}'],
    ['{.status.nested.a}', '[1,"x"]'],
    ['plain text, {.kind} and } as is', 'plain text, Pod and } as is'],
  ]);
  assert.equal(run('{.x}', { x: { html: '<a href="x">&</a>' } }), '{"html":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"}');
  assert.equal(run('{.x}', { x: '<&>' }), '<&>');
  assert.equal(run('{-1}{+5}{1.5}{007}{true}', {}), '-151.57true');
});

test('quoted text: both quotes, Go escapes, the last value of an action wins', () => {
  rows(POD, [
    ['{.metadata.name}{"\\n"}', 'web-1\n'],
    ['{"a\\tb\\\\c\\x41\\u00e9\\101"}', 'a\tb\\cAéA'],
    ["{'it''s'}", 's'],
    ["{'a\"b'}", 'a"b'],
    ["{'a\\'b'}", "a'b"],
    ['{"a\\"b"}', 'a"b'],
    ['{"\\u263A"}{\'\\U0001F600\'}', '☺😀'],
    ['{"}"}', '}'],
    ['{.kind "text"}', 'text'],
  ]);
});

test('filters: == != < > <= >= between values of one kind, and existence', () => {
  rows(POD, [
    ['{.status.conditions[?(@.type=="Ready")].status}', 'True'],
    ["{.status.conditions[?(@.type == 'Ready')].status}", 'True'],
    ['{.status.conditions[?(@.status!="True")].type}', 'Initialized'],
    ['{.status.conditions[?(@.type<"Q")].type}', 'PodScheduled Initialized'],
    ['{.status.conditions[?(@.type>="Ready")].type}', 'Ready'],
    ['{.spec.containers[0].ports[?(@.containerPort>100)].containerPort}', '443'],
    ['{.spec.containers[0].ports[?(@.containerPort<=80)].containerPort}', '80'],
    ['{.spec.containers[?(@.ports)].name}', 'c'],
    ['{.spec.containers[?(@.ports[1])].name}', 'c'],
    // a path that fails inside an existence filter counts as there (kubectl drops the error)
    ['{.spec.containers[?(@.ports[5])].name}', 'c'],
    ['{.status.conditions[?(@.type==@.type)].type}', 'Ready PodScheduled Initialized'],
    ['{.status.conditions[?(@.missing=="x")].type}', ''],
    ['{.spec.containers[?(true==true)].name}', 'c side'],
  ]);
  assert.equal(run('{.items[?(@.n>1)].n}', { items: [{ n: 1 }, { n: 2 }, { n: 3 }] }), '2 3');
  // JSON integers are Go int64s and the rest float64s: the two do not compare
  assert.throws(() => run('{.items[?(@.n>1)].n}', { items: [{ n: 1.5 }] }), { code: 'EJSONPATH', message: 'incompatible types for comparison' });
  assert.throws(() => run('{.status.conditions[?(@.type==1)]}'), /incompatible types for comparison/);
  assert.throws(() => run('{.items[?(@.x==1)]}', { items: [{ x: null }] }), /invalid type for comparison/);
  assert.throws(() => run('{.items[?(@.x==1)]}', { items: [{ x: {} }] }), /invalid type for comparison/);
  assert.throws(() => run('{.spec.containers[?(true<true)]}'), /invalid type for comparison/);
  assert.throws(() => run('{.status.conditions[?(@.type="Ready")]}'), /unrecognized filter operator =/);
  assert.throws(() => run('{.items[?(@.spec.containers[*].name=="c")]}', { items: [POD] }), /can only compare one element at a time/);
  assert.throws(() => run('{.status.nested[?(@.a)]}'), { code: 'EJSONPATH', message: 'map[a:[1 x] b:1 c:map[d:e]] is not array or slice and cannot be filtered' });
  assert.throws(() => run('{.status.nothing[?(@.a)]}'), /<nil> is not array or slice and cannot be filtered/);
});

test('range and end: the body runs per item; kubectl\'s quirks kept', () => {
  rows(POD, [
    ['{range .spec.containers[*]}{.name}={.image}{"\\n"}{end}', 'c=nginx\nside=busybox\n'],
    ['{range .spec.containers[*]}[{.name}]{end}after', '[c][side]after'],
    ['{range .nothing[*]}x{end}after', 'after'],
    ['{range .spec.containers[*]}{range .ports[*]}{.containerPort},{end};{end}', '80,443,;;'],
    // $ is the current item inside a range, not the root
    ['{range .spec.containers[*]}{$.kind}{end}', ''],
    ['{range .spec.containers[*].name}{@}-{end}', 'c-side-'],
    // without {end}, the body runs once more on the enclosing object afterwards
    ['{range .spec.containers[*]}{.image}|', 'nginx|busybox||'],
  ]);
  assert.equal(run('{range .items[*]}{.name}', { items: [{ name: 'a' }, { name: 'b' }], name: 'root' }), 'abroot');
  assert.throws(() => run('{end}'), { code: 'EJSONPATH', message: 'not in range, nothing to end' });
  assert.throws(() => run('{range .spec.containers[*]}{.name}{end}{end}'), /not in range, nothing to end/);
  // an empty range still walks its body once: its errors are kubectl's too
  assert.throws(() => run('{range .nothing[*]}{foo}{end}'), /unrecognized identifier foo/);
});

test('errors while running: bounds, types, and (only when asked) missing keys', () => {
  assert.throws(() => run('{.spec.containers[5]}'), { code: 'EJSONPATH', message: 'array index out of bounds: index 5, length 2' });
  assert.throws(() => run('{.spec.containers[-5]}'), /array index out of bounds: index -3, length 2/);
  assert.throws(() => run('{.spec.containers[0:10]}'), /array index out of bounds: index 9, length 2/);
  assert.throws(() => run('{.spec.containers[1:0]}'), /starting index 1 is greater than ending index 0/);
  assert.throws(() => run('{.spec.containers[::0]}'), /step must be > 0/);
  assert.throws(() => run('{.status.nested[0]}'), /map\[string\]interface \{\} is not array or slice/);
  assert.throws(() => run('{.metadata.name[0]}'), /string is not array or slice/);
  assert.throws(() => run('{foo}'), /unrecognized identifier foo/);
  // kubectl get's default: a missing field prints nothing
  assert.equal(run('{.status.missing}{.metadata.name.x}{.status.nothing.x}{.status.nothing[0]}'), '');
  assert.throws(() => run('{.status.missing}', POD, false), { code: 'EJSONPATH', message: 'missing is not found' });
  // an existence filter is the place where a missing field is no error
  assert.equal(run('{.spec.containers[?(@.ports)].name}', POD, false), 'c');
  assert.throws(() => run('{.status.nothing.x}', POD, false), /x is not found/);
  // a field asked of nothing is not missing: an empty slice before it is no error
  assert.equal(run('{.metadata.name}{.status.conditions[5:5].type}', POD, false), 'web-1');
});

test('syntax errors in kubectl\'s words', () => {
  const cases: [string, string][] = [
    ['{.a[}', 'unterminated array'],
    ['{.a', 'unclosed action'],
    ['}{', 'unclosed action'],
    ['{.kind\t}', 'unrecognized character in action: U+0009'],
    ['{#}', "unrecognized character in action: U+0023 '#'"],
    ['{.items[x]}', 'invalid array index x'],
    ['{.items[a,b]}', 'invalid array index a'],
    ['{.items[-]}', 'array index - is not a number'],
    ['{.items[?(@.a]}', 'unterminated filter'],
    ['{.items[?(@.a)}', 'unclosed array expect ]'],
    ['{....a}', 'invalid multiple recursive descent'],
    // the first `)` ends a filter: filters do not nest
    ['{.a[?(@.b[?(@.c)])]}', 'unterminated filter'],
    ['{.m..*}', "unrecognized character in action: U+002A '*'"],
    ['{1.2.3}', 'cannot parse number 1.2.3'],
    ['{"a\\qb"}', 'unquote string "a\\qb" error invalid syntax'],
    ['{"\\ud800"}', 'unquote string "\\ud800" error invalid syntax'],
    ['{.kind}{"', 'unterminated quoted string'],
  ];
  for (const [template, message] of cases) {
    assert.throws(() => parseJsonPath(template), { code: 'EJSONPATH', message }, template);
  }
  assert.doesNotThrow(() => parseJsonPath('{..a..b}'));
});

test('findResults: one list per action, as wait and custom-columns read them', () => {
  assert.deepEqual(findResults(parseJsonPath('{.metadata.name}:{.spec.containers[*].name}'), POD, { allowMissingKeys: true }), [['web-1'], [':'], ['c', 'side']]);
  assert.deepEqual(findResults(parseJsonPath(''), POD, { allowMissingKeys: true }), []);
  assert.deepEqual(findResults(parseJsonPath('{.nope}'), POD, { allowMissingKeys: true }), [[]]);
});

test('goText: Go\'s fmt.Sprint of a decoded JSON value', () => {
  assert.equal(goText({ b: 1, a: [1, 'x', null], c: { d: true } }), 'map[a:[1 x <nil>] b:1 c:map[d:true]]');
  assert.equal(goText(null), '<nil>');
  assert.equal(goText(1e20), '1e+20');
  assert.equal(goText(123456.5), '123456.5');
  assert.equal(goText(-0.00001), '-1e-05');
  assert.equal(goText(0.0001), '0.0001');
});

test('relaxed paths (custom-columns, wait): braces and the leading dot optional', () => {
  for (const p of ['metadata.name', '.metadata.name', '{metadata.name}', '{.metadata.name}']) assert.equal(relaxedJsonPathExpression(p), '{.metadata.name}');
  assert.equal(relaxedJsonPathExpression('..name'), '{..name}');
  assert.equal(relaxedJsonPathExpression(''), '');
  assert.throws(() => relaxedJsonPathExpression('{.a}{.b}'), /unexpected path string, expected a 'name1.name2' or '.name1.name2' or '\{name1.name2\}' or '\{.name1.name2\}'/);
  assert.throws(() => relaxedJsonPathExpression('{}'), /unexpected path string/);
});

test('-o jsonpath printer: kubectl\'s messages for a template that does not parse or does not run', () => {
  assert.throws(() => jsonPathPrinter('{.a[}', { asJson: false }), /^PodnetError: error: error parsing jsonpath \{\.a\[\}, unterminated array$/);
  const print = jsonPathPrinter('{.items[5]}', { asJson: false });
  assert.throws(() => print({ items: [{ n: 1, s: 'x', f: 1e-5, z: null }] }), (err: unknown) => (err as Error).message === [
    'error: error executing jsonpath "{.items[5]}": Error executing template: array index out of bounds: index 5, length 1. Printing more information for debugging the template:',
    '\ttemplate was:',
    '\t\t{.items[5]}',
    '\tobject given to jsonpath engine was:',
    '\t\tmap[string]interface {}{"items":[]interface {}{map[string]interface {}{"f":1e-05, "n":1, "s":"x", "z":interface {}(nil)}}}',
    '',
    '',
  ].join('\n'));
  assert.equal(jsonPathPrinter('{.items[*].n}{.kind}', { asJson: true })({ kind: 'List', items: [{ n: 1 }, { n: 2 }] }), '[\n    1,\n    2\n]\n[\n    "List"\n]\n');
  assert.equal(jsonPathPrinter('{.nope}', { asJson: true })({}), '[]\n');
});

test('get -o jsonpath: one object named alone, anything else as a List; wrong formats named as kubectl names them', () => {
  const pod = (name: string) => ({ ...POD, metadata: { ...POD.metadata, name } }) as KubeObject;
  const jsonpath = objectsPrinter('jsonpath={.kind}:{.metadata.name}{.items[*].metadata.name}');
  assert.equal(jsonpath([pod('a')], true), 'Pod:a');
  assert.equal(jsonpath([pod('a'), pod('b')], false), 'List:a b');
  assert.equal(jsonpath([], false), 'List:');
  assert.equal(objectsPrinter('jsonpath={.metadata}')([], false), '{"resourceVersion":""}');
  assert.equal(objectsPrinter('jsonpath={.kind}=={.apiVersion}')([pod('a')], true), 'Pod==v1');
  assert.throws(() => objectsPrinter('jsonpath'), /^PodnetError: template format specified but no template given$/);
  assert.throws(() => objectsPrinter('jsonpath='), /template format specified but no template given/);
  assert.throws(() => objectsPrinter('jsonpath-file=/nonexistent/t.txt'), /^PodnetError: error: error reading --template \/nonexistent\/t\.txt, open \/nonexistent\/t\.txt: no such file or directory$/);
  assert.throws(() => objectsPrinter('custom-columns'), /^PodnetError: custom-columns format specified but no custom columns given$/);
  assert.throws(() => objectsPrinter('custom-columns-file=/nonexistent/c.txt'), /error: error reading template \/nonexistent\/c\.txt, open \/nonexistent\/c\.txt: no such file or directory/);
  for (const wrong of ['bogus', 'jsonpathx={.kind}', 'JSONPATH={.kind}']) {
    assert.throws(() => objectsPrinter(wrong), new RegExp(`unable to match a printer suitable for the output format "${wrong.replace(/[{}.]/g, '\\$&')}", allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml$`));
  }
});
