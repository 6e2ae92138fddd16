// `podnet delete --cascade` reads as kubectl's: the value → propagationPolicy, with
// kubectl's warning for the deprecated booleans and its error for anything else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/args.js';
import { cascadePolicy } from '../../../src/cli/commands/delete.js';

const rows: { argv: string[]; policy: string; warning?: string }[] = [
  { argv: ['deploy', 'web'], policy: 'Background' },
  { argv: ['deploy', 'web', '--cascade'], policy: 'Background' },
  { argv: ['deploy', 'web', '--cascade=background'], policy: 'Background' },
  { argv: ['deploy', 'web', '--cascade=orphan'], policy: 'Orphan' },
  { argv: ['deploy', 'web', '--cascade=foreground'], policy: 'Foreground' },
  { argv: ['deploy', 'web', '--cascade=true'], policy: 'Background', warning: 'warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.\n' },
  { argv: ['deploy', 'web', '--cascade=false'], policy: 'Orphan', warning: 'warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n' },
];
for (const row of rows) {
  test(`delete ${row.argv.join(' ')} → ${row.policy}`, () => {
    const warnings: string[] = [];
    assert.equal(cascadePolicy(parseFlags(row.argv).cascade, (l) => warnings.push(l)), row.policy);
    assert.deepEqual(warnings, row.warning ? [row.warning] : []);
  });
}

test('a bare --cascade takes no value: the next word stays a name, as with kubectl', () => {
  assert.deepEqual(parseFlags(['deploy', '--cascade', 'web']).positionals, ['deploy', 'web']);
});

test('--cascade=cascade is a usage error in kubectl\'s words', () => {
  assert.throws(() => cascadePolicy('cascade'), { message: 'invalid cascade value (cascade). Must be "background", "foreground", or "orphan"' });
});
