import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostnameIntersection, listenerCovers } from '../../../src/ingress/gateway-hostnames.js';

// listener hostname × route hostnames → the names the route is served under
const INTERSECTIONS: { listener?: string; route: string[]; want: string[] }[] = [
  { route: [], want: [''] },                                                  // neither: the catch-all
  { listener: 'foo.example.com', route: [], want: ['foo.example.com'] },      // route has none: the listener's
  { route: ['b.test', 'a.test'], want: ['a.test', 'b.test'] },                // listener has none: the route's, sorted
  { route: ['*.example.com'], want: ['*.example.com'] },
  { listener: 'foo.example.com', route: ['foo.example.com'], want: ['foo.example.com'] },
  { listener: 'foo.example.com', route: ['bar.example.com'], want: [] },
  { listener: 'foo.example.com', route: ['*.example.com'], want: ['foo.example.com'] },       // the more specific wins
  { listener: '*.example.com', route: ['foo.example.com'], want: ['foo.example.com'] },
  { listener: '*.example.com', route: ['a.b.example.com'], want: ['a.b.example.com'] },       // any depth
  { listener: '*.example.com', route: ['example.com'], want: [] },                            // never the bare suffix
  { listener: '*.example.com', route: ['foo.example.net'], want: [] },
  { listener: '*.example.com', route: ['*.example.com'], want: ['*.example.com'] },           // wildcard × wildcard
  { listener: '*.example.com', route: ['*.a.example.com'], want: ['*.a.example.com'] },
  { listener: '*.a.example.com', route: ['*.example.com'], want: ['*.a.example.com'] },
  { listener: '*.a.example.com', route: ['*.b.example.com'], want: [] },
  { listener: 'Foo.Example.com', route: ['FOO.example.com.'], want: ['foo.example.com'] },    // case and trailing dot
  { listener: '*.example.com', route: ['test.example.com', 'test.example.net', 'x.y.example.com'], want: ['test.example.com', 'x.y.example.com'] },
];

test('hostname intersection of a listener and a route (Gateway API wildcards match any depth)', async (t) => {
  for (const c of INTERSECTIONS) {
    await t.test(`${c.listener ?? '(none)'} × [${c.route.join(', ')}]`, () => {
      assert.deepEqual(hostnameIntersection(c.listener, c.route), c.want);
    });
  }
});

test('which listener hostnames cover a served name', () => {
  assert.equal(listenerCovers('', 'anything.test'), true);
  assert.equal(listenerCovers('*.example.com', 'a.b.example.com'), true);
  assert.equal(listenerCovers('*.example.com', '*.a.example.com'), true);
  assert.equal(listenerCovers('*.example.com', 'example.com'), false);
  assert.equal(listenerCovers('a.example.com', 'b.example.com'), false);
  assert.equal(listenerCovers('a.example.com', 'a.example.com'), true);
});
