import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchSends } from '../../../src/dns/udp-send-batch.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('answers of one event-loop turn leave after it, together and in order', async () => {
  const sent: string[] = [];
  const send = batchSends((buf, port, address) => { sent.push(`${buf.toString()}→${address}:${port}`); });
  send(Buffer.from('a'), 1001, '10.244.0.5');
  send(Buffer.from('b'), 1002, '10.244.0.6');
  send(Buffer.from('c'), 1001, '10.244.0.5');
  assert.deepEqual(sent, [], 'nothing leaves before the turn ends');
  await turn();
  assert.deepEqual(sent, ['a→10.244.0.5:1001', 'b→10.244.0.6:1002', 'c→10.244.0.5:1001']);
  send(Buffer.from('d'), 1003, '10.244.0.7');
  await turn();
  assert.deepEqual(sent.slice(3), ['d→10.244.0.7:1003'], 'the next turn is a batch of its own');
});

test('a send that throws (the socket closed under us) drops the rest of its batch, and later turns still send', async () => {
  const sent: string[] = [];
  let closed = true;
  const send = batchSends((buf) => { if (closed) throw new Error('Not running'); sent.push(buf.toString()); });
  send(Buffer.from('a'), 1, '127.0.0.1');
  send(Buffer.from('b'), 1, '127.0.0.1');
  await turn(); // must not throw out of setImmediate (that would crash the process)
  closed = false;
  send(Buffer.from('c'), 1, '127.0.0.1');
  await turn();
  assert.deepEqual(sent, ['c']);
});
