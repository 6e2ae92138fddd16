// The real kubectl against what podnet does not serve: port-forward and
// attach (and run -i, which attaches) used to end in a bare "the server could
// not find the requested resource"; now kubectl prints podnet's message,
// which names the podnet command that works. Skipped only when kubectl is
// not on the PATH (the project does not install it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itkcus';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itkcus-'));
const pn = podnet(CLUSTER, stateDir);
const hasKubectl = (process.env['PATH'] ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: podnet/echo, ports: [{containerPort: 8080}]}]\n';

describe('kubectl port-forward, attach and run -i', { skip: hasKubectl ? false : 'kubectl is not on the PATH' }, () => {
  before(async () => {
    const up = await pn(['up', '--bare', '--nodes', '1']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await pn(['apply', '-f', '-'], { input: POD })).code, 0);
    await eventually('web Running', async () => (await pn(['get', 'pod', 'web'])).stdout.includes('Running'), 30_000, 200);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('port-forward says to use podnet port-forward', async () => {
    const r = await pn(['kubectl', 'port-forward', 'pod/web', '18080:8080'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: error upgrading connection: podnet's API server does not serve pods\/portforward, .*podnet port-forward pod\/web LOCAL:REMOTE/);
    assert.doesNotMatch(r.stderr, /could not find the requested resource/);
  });

  test('attach says to use podnet exec -it', async () => {
    const r = await pn(['kubectl', 'attach', 'web'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(BadRequest\): podnet's API server does not serve pods\/attach .*podnet exec -it web -- sh/);
  });

  test('run -i says why it could not attach, then follows the log as kubectl does', async () => {
    const r = await pn(['kubectl', 'run', '-i', '--restart=Never', 'talk', '--image=podnet/echo', '--command', '--', 'sh', '-c', 'echo said once; sleep 5'], { timeoutMs: 60_000 });
    assert.match(r.stderr, /couldn't attach to pod\/talk, falling back to streaming logs: podnet's API server does not serve pods\/attach .*kubectl run NAME --image=IMAGE --command -- sh -c/, r.stderr);
    assert.match(r.stdout, /said once/);
  });
});
