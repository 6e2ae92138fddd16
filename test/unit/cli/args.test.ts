// Flag parsing that follows kubectl's pflag conventions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/args.js';

test('exec\'s -i and -t take kubectl\'s explicit boolean values too (--stdin=true, -i=false)', () => {
  const f = (argv: string[]) => { const p = parseFlags(argv, 'streams'); return [p.stdin, p.tty]; };
  assert.deepEqual(f(['--stdin=true', '--tty=false', 'pod']), [true, false]);
  assert.deepEqual(f(['-i=false', '-t=true', 'pod']), [false, true]);
  assert.deepEqual(f(['-it', 'pod']), [true, true]);
});

test('get --no-headers, as kubectl\'s boolean flag: bare, =true or =false, for every command', () => {
  assert.equal(parseFlags(['pods']).noHeaders, false);
  assert.equal(parseFlags(['pods', '--no-headers']).noHeaders, true);
  assert.equal(parseFlags(['--no-headers=true', 'pods']).noHeaders, true);
  assert.equal(parseFlags(['--no-headers=false', 'pods']).noHeaders, false);
  assert.equal(parseFlags(['--no-headers=false', 'pod'], 'streams').noHeaders, false);
  assert.deepEqual(parseFlags(['pods', '--', '--no-headers']).rest, ['--no-headers'], 'after -- it is the command\'s');
  assert.throws(() => parseFlags(['--no-headers=maybe']), /no-headers/);
});

test('trace takes curl\'s -H (repeatable) and -X; other commands refuse them', () => {
  const t = parseFlags(['http://a/', '-H', 'X-Canary: yes', '--header=X-Two: 2', '-X', 'POST'], 'request');
  assert.deepEqual([t.headers, t.method], [['X-Canary: yes', 'X-Two: 2'], 'POST']);
  assert.deepEqual(parseFlags(['http://a/'], 'request').headers, []);
  assert.throws(() => parseFlags(['pods', '-H', 'x']), /Unknown option '-H'/);
});
