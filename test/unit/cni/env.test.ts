import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCniArgs, podLabel, readCniEnv } from '../../../src/cni/env.js';
import { CniError } from '../../../src/errors.js';

const base = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };

test('parseCniArgs', () => {
  const rows: [string | undefined, Record<string, string>][] = [
    [undefined, {}],
    ['', {}],
    ['K8S_POD_NAME=web-1;K8S_POD_NAMESPACE=default', { K8S_POD_NAME: 'web-1', K8S_POD_NAMESPACE: 'default' }],
    ['IgnoreUnknown=1;;A=', { IgnoreUnknown: '1', A: '' }],
    ['A=b=c', { A: 'b=c' }],
  ];
  for (const [text, want] of rows) assert.deepEqual(parseCniArgs(text), want, String(text));
  for (const bad of ['novalue', '=x', 'A=1;oops']) {
    assert.throws(() => parseCniArgs(bad), (e: unknown) => e instanceof CniError && e.cniCode === 4, bad);
  }
});

test('readCniEnv: what each command requires (libcni skel)', () => {
  const rows: [Record<string, string>, string | undefined][] = [
    [base, undefined],
    [{ ...base, CNI_CONTAINERID: '' }, 'required env variables [CNI_CONTAINERID] missing'],
    [{ CNI_COMMAND: 'ADD' }, 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing'],
    [{ ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, undefined],
    [{ ...base, CNI_COMMAND: 'CHECK', CNI_NETNS: '' }, 'required env variables [CNI_NETNS] missing'],
    [{ CNI_COMMAND: 'VERSION' }, undefined],
    [{ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, undefined],
    [{ CNI_COMMAND: 'GC' }, 'required env variables [CNI_PATH] missing'],
    [{}, 'required env variables [CNI_COMMAND] missing'],
    [{ CNI_COMMAND: 'FROB' }, 'unknown CNI_COMMAND "FROB"'],
    [{ ...base, CNI_IFNAME: 'this-name-is-too-long' }, 'invalid CNI_IFNAME "this-name-is-too-long"'],
    [{ ...base, CNI_IFNAME: '..' }, 'invalid CNI_IFNAME ".."'],
    [{ ...base, CNI_CONTAINERID: '-bad/../x' }, 'invalid characters in containerID'],
    [{ ...base, CNI_CONTAINERID: 'a1_b.c-d' }, undefined],
  ];
  for (const [env, msg] of rows) {
    if (msg === undefined) assert.doesNotThrow(() => readCniEnv(env), JSON.stringify(env));
    else assert.throws(() => readCniEnv(env), (e: unknown) => e instanceof CniError && e.cniCode === 4 && e.msg === msg, JSON.stringify(env));
  }
});

test('readCniEnv parses CNI_PATH and CNI_ARGS; podLabel names the pod', () => {
  const e = readCniEnv({ ...base, CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-0' });
  assert.deepEqual(e.path, ['/opt/cni/bin', '/usr/lib/cni']);
  assert.equal(podLabel(e), 'shop/cart-0');
  assert.equal(podLabel(readCniEnv(base)), 'c1');
});
