// `podnet logs` and `podnet exec` against a real cluster, read as kubectl's
// output: one container instance per `logs` (the previous one with -p), the
// API server's and kubelet's refusals word for word, the default-container
// and "Found N pods" notices, --tail, and exec's exit-code line.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';

const CLUSTER = 'itlogx';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itlogx-'));
const pn = podnet(CLUSTER, stateDir);

const podYaml = (name: string, containers: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n${extra}  containers:\n${containers}---\n`;
const sh = (name: string, script: string) => `    - {name: ${name}, image: none, command: [sh, -c, ${JSON.stringify(script)}]}\n`;

const MANIFEST = [
  podYaml('steady', sh('c', 'for i in 1 2 3 4 5; do echo line$i; done; sleep infinity')),
  // each instance says its own pid ($$$$: the kubelet makes it $$ for the shell), lives 5 s and fails
  podYaml('crash', sh('c', 'echo instance $$$$; sleep 5; exit 3')),
  podYaml('badimg', '    - {name: c, image: example.com/nope:1}\n'),
  podYaml('two', sh('a', 'echo from-a; sleep infinity') + sh('b', 'echo from-b; sleep infinity')),
  podYaml('done', sh('c', 'echo finished'), '  restartPolicy: Never\n'),
  echoApp({ name: 'web', replicas: 2 }),
].join('');

async function pod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

describe('logs and exec as kubectl', { timeout: 180_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const applied = await pn(['apply', '-f', '-'], { input: MANIFEST });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('pods started', async () => {
      const ps = await Promise.all(['steady', 'two'].map(pod));
      return ps.every((p) => p.status?.phase === 'Running') || undefined;
    }, 60_000, 200);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('logs -f ends when its container instance ends, as kubectl', async () => {
    // crash's instances live 5 s: a follow started now ends within one
    const t0 = Date.now();
    const r = await pn(['logs', '-f', 'crash'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^instance \d+\n$/);
    assert.ok(Date.now() - t0 < 15_000, `followed for ${Date.now() - t0} ms`);
  });

  test('logs after restarts: only the current instance; -p the one before', async () => {
    await eventually('crash running again after one restart', async () => {
      const cs = (await pod('crash')).status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state?.running ? cs : undefined;
    }, 30_000, 100);
    const current = await pn(['logs', 'crash']);
    const previous = await pn(['logs', 'crash', '--previous']);
    assert.equal(current.code, 0, current.stderr);
    assert.equal(previous.code, 0, previous.stderr);
    assert.match(current.stdout, /^instance \d+\n$/);
    assert.match(previous.stdout, /^instance \d+\n$/);
    assert.notEqual(current.stdout, previous.stdout);
    assert.equal((await pn(['logs', 'crash', '-p'])).stdout, previous.stdout);
  });

  test('logs -p with no terminated instance: the kubelet\'s 400', async () => {
    const r = await pn(['logs', 'steady', '-p']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): previous terminated container "c" in pod "steady" not found\n');
  });

  test('logs of a container that cannot pull its image: the kubelet\'s words', async () => {
    await eventually('badimg waiting', async () => (await pod('badimg')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' || undefined);
    const r = await pn(['logs', 'badimg']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): container "c" in pod "badimg" is waiting to start: image can\'t be pulled\n');
  });

  test('logs of a pod with two containers: the first, with kubectl\'s notice', async () => {
    const r = await eventually('a logged', async () => { const x = await pn(['logs', 'two']); return x.stdout ? x : undefined; });
    assert.equal(r.stdout, 'from-a\n');
    assert.equal(r.stderr, 'Defaulted container "a" out of: a, b\n');
    const b = await pn(['logs', 'two', '-c', 'b']);
    assert.equal(b.stdout, 'from-b\n');
    assert.equal(b.stderr, '');
    const bad = await pn(['logs', 'two', '-c', 'nope']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: container nope is not valid for pod two\n');
  });

  test('logs deploy/NAME, svc/NAME and pod/NAME; --tail', async () => {
    await eventually('two web pods ready', async () => {
      const r = await pn(['get', 'pods', '-l', 'app=web', '-o', 'json']);
      const items = (JSON.parse(r.stdout) as { items: Pod[] }).items;
      return items.length === 2 && items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) || undefined;
    }, 60_000, 200);
    for (const ref of ['deploy/web', 'deployment/web', 'svc/web']) {
      const r = await pn(['logs', ref]);
      const chosen = /^Found 2 pods, using pod\/(\S+)\n$/.exec(r.stderr)?.[1];
      assert.ok(chosen, `${ref}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`serving HTTP on :8080 as ${chosen}\n`), ref);
      const direct = await pn(['logs', `pod/${chosen}`]);
      assert.equal(direct.stdout, r.stdout);
      assert.equal(direct.stderr, '');
    }
    assert.equal((await pn(['logs', 'steady', '--tail=2'])).stdout, 'line4\nline5\n');
    assert.equal((await pn(['logs', 'steady', '--tail=-1'])).stdout, 'line1\nline2\nline3\nline4\nline5\n');
    assert.equal((await pn(['logs', 'steady', '--tail', '0'])).stdout, '');
  });

  test('exec: the command\'s exit code, with kubectl\'s line on stderr', async () => {
    const r = await pn(['exec', 'steady', '--', 'sh', '-c', 'echo out; exit 7']);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'command terminated with exit code 7\n');
    const ok = await pn(['exec', 'steady', '--', 'true']);
    assert.equal(ok.code, 0);
    assert.equal(ok.stderr, '');
  });

  test('exec refuses a completed pod, an unknown container, a container not running', async () => {
    await eventually('done succeeded', async () => (await pod('done')).status?.phase === 'Succeeded' || undefined, 30_000, 200);
    const done = await pn(['exec', 'done', '--', 'true']);
    assert.equal(done.code, 1);
    assert.equal(done.stderr, 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n');
    assert.equal((await pn(['logs', 'done'])).stdout, 'finished\n');
    const nope = await pn(['exec', 'steady', '-c', 'nope', '--', 'true']);
    assert.equal(nope.code, 1);
    assert.equal(nope.stderr, 'Error from server (BadRequest): container nope is not valid for pod steady\n');
    const bad = await pn(['exec', 'badimg', '--', 'true']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: unable to upgrade connection: container not found ("c")\n');
  });

  // Regression: -i, -t, -it, --stdin and --tty were "Unknown option", and
  // stdin always reached the command. Here stdin is a pipe, never a terminal.
  const NO_TTY = 'Unable to use a TTY - input is not a terminal or the right kind of file\n';
  const STDIN_ROWS: { flags: string[]; stdout: string; stderr: string }[] = [
    // kubectl exec without -i: no stdin stream, the command reads end-of-file
    { flags: [], stdout: '', stderr: '' },
    { flags: ['-i'], stdout: 'hi\n', stderr: '' },
    { flags: ['--stdin'], stdout: 'hi\n', stderr: '' },
    // -t counts only with -i (kubectl's SetupTTY): alone it changes nothing
    { flags: ['-t'], stdout: '', stderr: '' },
    { flags: ['--tty'], stdout: '', stderr: '' },
    // -it with stdin that is not a terminal: kubectl's warning, then stdin as with -i
    { flags: ['-it'], stdout: 'hi\n', stderr: NO_TTY },
    { flags: ['-ti'], stdout: 'hi\n', stderr: NO_TTY },
    { flags: ['-i', '-t'], stdout: 'hi\n', stderr: NO_TTY },
    { flags: ['--stdin', '--tty'], stdout: 'hi\n', stderr: NO_TTY },
  ];
  for (const row of STDIN_ROWS) {
    test(`exec ${row.flags.join(' ') || '(no -i)'} POD: stdin ${row.stdout ? 'passed' : 'closed'}, as kubectl`, async () => {
      const r = await pn(['exec', ...row.flags, 'steady', '--', 'cat'], { input: 'hi\n' });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, row.stdout, row.stderr]);
    });
  }

  test('exec node/NAME and outside pass stdin with or without -i; -it is accepted by exec node/NAME, without the warning', async () => {
    for (const argv of [['exec', 'node/node-1'], ['exec', '-it', 'node/node-1'], ['outside']]) {
      const r = await pn([...argv, '--', 'cat'], { input: 'hi\n' });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hi\n', ''], argv.join(' '));
    }
    // outside has no options of its own: -i and -t belong to the command
    const o = await pn(['outside', 'echo', '-i', 'hello', '-t', 'world']);
    assert.deepEqual([o.code, o.stdout], [0, '-i hello -t world\n']);
  });

  test('-i and -t are exec\'s: other commands refuse them as unknown', async () => {
    const r = await pn(['get', 'pods', '-i']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Unknown option '-i'/);
  });
});
