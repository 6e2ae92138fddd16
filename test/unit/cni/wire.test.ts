import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDecline, formatRequest, formatResult, parseReply, parseRequest, WireError } from '../../../src/cni/wire.js';
import { shimScript, shQuote } from '../../../src/cni/shim.js';

test('request: format → parse → format round trip; the stdin bytes are untouched', () => {
  const stdin = '{"cniVersion":"1.1.0"}\n\n{"second":"line"}';
  const req = { pid: 42, vars: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=a=b', CNI_PATH: '' }, stdin };
  const text = formatRequest(req);
  assert.equal(text, 'podnet-cni-request 2\npid 42\nCNI_COMMAND=ADD\nCNI_CONTAINERID=abc\nCNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=a=b\nCNI_PATH=\n\n' + stdin + '\n');
  const parsed = parseRequest(text);
  assert.deepEqual(parsed, req);
  assert.equal(formatRequest(parsed), text);
});

test('request: set-but-empty is kept apart from unset; unknown variables are ignored', () => {
  const parsed = parseRequest('podnet-cni-request 2\npid 7\nCNI_NETNS=\nHOME=/root\nCNI_COMMAND=DEL\n\n{}\n');
  assert.deepEqual(parsed.vars, { CNI_NETNS: '', CNI_COMMAND: 'DEL' });
  assert.ok(!('CNI_IFNAME' in parsed.vars));
});

test('request: malformed input is a WireError', () => {
  const malformed = [
    '', 'podnet-cni-request 2\npid 1\n', 'hello\npid 1\n\n{}\n', 'podnet-cni-request 2\nCNI_COMMAND=ADD\n\n{}\n',
    'podnet-cni-request 1\npid 1\n\n{}', // version 1 (stdin not newline-terminated): an old shim runs standalone
    'podnet-cni-request 2\npid 1\n\n{}', // stdin without the here-document's newline
    'podnet-cni-request 2\npid 1\n\n', // not even an empty stdin line
  ];
  for (const text of malformed) {
    assert.throws(() => parseRequest(text), WireError, JSON.stringify(text));
  }
  assert.throws(() => formatRequest({ pid: 1, vars: { CNI_ARGS: 'a=b\nc=d' }, stdin: '' }), WireError);
});

test('reply: result and decline', () => {
  assert.equal(formatResult(0, '{"a":1}\n'), 'podnet-cni-result 0\n{"a":1}\n\npodnet-cni-end');
  assert.deepEqual(parseReply(formatResult(0, '{"a":1}\n')), { kind: 'result', code: 0, stdout: '{"a":1}\n' });
  assert.deepEqual(parseReply(formatResult(1, '')), { kind: 'result', code: 1, stdout: '' });
  assert.deepEqual(parseReply(formatResult(0, '\n\n')), { kind: 'result', code: 0, stdout: '\n\n' });
  // cut off before its end line (the server died while answering)
  assert.throws(() => parseReply('podnet-cni-result 0\n{"a":1}\n'), WireError);
  assert.throws(() => parseReply('podnet-cni-result 0\npodnet-cni-end'), WireError);
  assert.deepEqual(parseReply(formatDecline('other\nnetns')), { kind: 'decline', reason: 'other netns' });
  assert.throws(() => parseReply('podnet-cni-result x\n'), WireError);
});

test('shQuote survives quotes', () => {
  const out = spawnSync('sh', ['-c', `printf %s ${shQuote("it's a 'path' $HOME")}`], { encoding: 'utf8' });
  assert.equal(out.stdout, "it's a 'path' $HOME");
});

/** The shim against a fake server (a sh script standing in for nc) and a fake node: what it sends, and what it relays. */
function runShim(o: { socketExists: boolean; reply: string; env?: Record<string, string>; stdin: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-shim-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // fake nc: record the request, print the canned reply
    fs.writeFileSync(path.join(bin, 'nc'), `#!/bin/sh\ncat > ${dir}/request\nprintf '%s' ${shQuote(o.reply)}\n`, { mode: 0o755 });
    // fake node: record that the standalone path ran, and what it got on stdin
    fs.writeFileSync(path.join(dir, 'node'), `#!/bin/sh\ncat > ${dir}/standalone-stdin\necho standalone "$1"\nexit 3\n`, { mode: 0o755 });
    const socket = path.join(dir, 'sock');
    if (o.socketExists) spawnSync('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(socket)})`]);
    fs.writeFileSync(path.join(dir, 'shim'), shimScript({ node: path.join(dir, 'node'), main: '/main.js', defaultSocket: socket }), { mode: 0o755 });
    const res = spawnSync(path.join(dir, 'shim'), [], { input: o.stdin, encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, ...o.env } });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
    return { code: res.status, stdout: res.stdout, request: read('request'), standaloneStdin: read('standalone-stdin') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const hasPython = spawnSync('python3', ['-c', '0']).status === 0;

test('shim: hands the call to the server and relays stdout and exit status exactly', { skip: !hasPython && 'needs python3 to make a socket file' }, () => {
  // stdin with what a here-document might mangle: $, backquotes, backslashes, blank lines, no final newline
  const stdins = ['{"cniVersion":"1.1.0"}\n', '{"a":"$HOME `id` \\\\ \\n \\"q\\""}\n\n\n{"b":1}', '', '\n'];
  for (const stdin of stdins) {
    const r = runShim({ socketExists: true, reply: 'podnet-cni-result 1\n{"code":7}\n\n\npodnet-cni-end', env: { CNI_COMMAND: 'ADD', CNI_NETNS: '', CNI_ARGS: 'K=V;X=$(y)' }, stdin });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '{"code":7}\n\n');
    assert.equal(r.standaloneStdin, undefined);
    const req = parseRequest(r.request!);
    assert.deepEqual(req.vars, { CNI_COMMAND: 'ADD', CNI_NETNS: '', CNI_ARGS: 'K=V;X=$(y)' });
    assert.equal(req.stdin, stdin, JSON.stringify(stdin));
    assert.ok(req.pid > 0);
  }
});

test('shim: a decline, no reply, no socket, or an unframeable value all run the plugin standalone with the same stdin', { skip: !hasPython && 'needs python3 to make a socket file' }, () => {
  const cases: { socketExists: boolean; reply: string; env?: Record<string, string> }[] = [
    { socketExists: true, reply: 'podnet-cni-decline other netns\n' },
    { socketExists: true, reply: 'podnet-cni-result 0\n{"cniVersion":' }, // cut off: no end line
    { socketExists: true, reply: '' },
    { socketExists: false, reply: 'podnet-cni-result 0\n\npodnet-cni-end' },
    { socketExists: true, reply: 'podnet-cni-result 0\n\npodnet-cni-end', env: { CNI_ARGS: 'a=b\nc=d' } },
    { socketExists: true, reply: 'podnet-cni-result 0\n\npodnet-cni-end', env: { PODNET_CNI_SOCKET: '' } },
  ];
  for (const c of cases) {
    const r = runShim({ ...c, env: { CNI_COMMAND: 'DEL', ...c.env }, stdin: '{"x":1}\n\n' });
    assert.equal(r.code, 3, JSON.stringify(c));
    assert.equal(r.stdout, 'standalone /main.js\n', JSON.stringify(c));
    assert.equal(r.standaloneStdin, '{"x":1}\n\n', JSON.stringify(c));
  }
});
