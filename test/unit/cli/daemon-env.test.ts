import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonEnv } from '../../../src/cli/commands/up-down.js';

test('the daemon starts without NODE_EXTRA_CA_CERTS and with everything else of the CLI\'s environment', () => {
  const env = { PATH: '/usr/bin', PODNET_STATE_DIR: '/tmp/x', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
  assert.deepEqual(daemonEnv(env), { PATH: '/usr/bin', PODNET_STATE_DIR: '/tmp/x' });
  assert.equal(env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt', 'the CLI\'s own environment is left alone');
});
