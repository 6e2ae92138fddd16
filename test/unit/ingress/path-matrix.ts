// The Ingress concept docs' path-matching examples ("Examples" table under
// "Path types"), plus podnet's own edge cases, as rows. The unit test runs them
// through matchRoute(); the integration test sends the same requests through a
// real NGINX rendered from the same rules, so both must agree with the spec.

import type { PathSpec } from './fixtures.js';

export interface PathCase {
  name: string;
  paths: PathSpec[];
  request: string;
  /** the service that must answer, or 404 */
  want: string | 404;
}

const P = (path: string, svc: string): PathSpec => ({ path, type: 'Prefix', svc });
const E = (path: string, svc: string): PathSpec => ({ path, type: 'Exact', svc });
const I = (path: string, svc: string): PathSpec => ({ path, type: 'ImplementationSpecific', svc });

export const PATH_MATRIX: PathCase[] = [
  // the docs' table, row by row
  { name: 'Prefix / matches all paths', paths: [P('/', 'a')], request: '/anything/at/all', want: 'a' },
  { name: 'Exact /foo matches /foo', paths: [E('/foo', 'a')], request: '/foo', want: 'a' },
  { name: 'Exact /foo does not match /bar', paths: [E('/foo', 'a')], request: '/bar', want: 404 },
  { name: 'Exact /foo does not match /foo/', paths: [E('/foo', 'a')], request: '/foo/', want: 404 },
  { name: 'Exact /foo/ does not match /foo', paths: [E('/foo/', 'a')], request: '/foo', want: 404 },
  { name: 'Prefix /foo matches /foo', paths: [P('/foo', 'a')], request: '/foo', want: 'a' },
  { name: 'Prefix /foo matches /foo/', paths: [P('/foo', 'a')], request: '/foo/', want: 'a' },
  { name: 'Prefix /foo/ matches /foo', paths: [P('/foo/', 'a')], request: '/foo', want: 'a' },
  { name: 'Prefix /foo/ matches /foo/', paths: [P('/foo/', 'a')], request: '/foo/', want: 'a' },
  { name: 'Prefix /aaa/bb does not match /aaa/bbb', paths: [P('/aaa/bb', 'a')], request: '/aaa/bbb', want: 404 },
  { name: 'Prefix /aaa/bbb matches /aaa/bbb', paths: [P('/aaa/bbb', 'a')], request: '/aaa/bbb', want: 'a' },
  { name: 'Prefix /aaa/bbb/ matches /aaa/bbb (trailing slash ignored)', paths: [P('/aaa/bbb/', 'a')], request: '/aaa/bbb', want: 'a' },
  { name: 'Prefix /aaa/bbb matches /aaa/bbb/ (trailing slash)', paths: [P('/aaa/bbb', 'a')], request: '/aaa/bbb/', want: 'a' },
  { name: 'Prefix /aaa/bbb matches /aaa/bbb/ccc (subpath)', paths: [P('/aaa/bbb', 'a')], request: '/aaa/bbb/ccc', want: 'a' },
  { name: 'Prefix /aaa/bbb does not match /aaa/bbbxyz (string prefix)', paths: [P('/aaa/bbb', 'a')], request: '/aaa/bbbxyz', want: 404 },
  { name: 'Prefix /, /aaa: /aaa/ccc takes /aaa', paths: [P('/', 'a'), P('/aaa', 'b')], request: '/aaa/ccc', want: 'b' },
  { name: 'Prefix /, /aaa, /aaa/bbb: /aaa/bbb takes /aaa/bbb', paths: [P('/', 'a'), P('/aaa', 'b'), P('/aaa/bbb', 'c')], request: '/aaa/bbb', want: 'c' },
  { name: 'Prefix /, /aaa, /aaa/bbb: /ccc takes /', paths: [P('/', 'a'), P('/aaa', 'b'), P('/aaa/bbb', 'c')], request: '/ccc', want: 'a' },
  { name: 'Prefix /aaa: /ccc has no match (default backend)', paths: [P('/aaa', 'a')], request: '/ccc', want: 404 },
  { name: 'Mixed /foo Prefix + /foo Exact: /foo prefers Exact', paths: [P('/foo', 'a'), E('/foo', 'b')], request: '/foo', want: 'b' },
  // podnet's edge cases
  { name: 'Mixed /foo Prefix + /foo Exact: /foo/ takes the Prefix', paths: [P('/foo', 'a'), E('/foo', 'b')], request: '/foo/', want: 'a' },
  { name: 'Mixed /foo Prefix + /foo Exact: /foo/x takes the Prefix', paths: [E('/foo', 'b'), P('/foo', 'a')], request: '/foo/x', want: 'a' },
  { name: 'Prefix /foo does not match /foobar', paths: [P('/foo', 'a')], request: '/foobar', want: 404 },
  { name: 'Prefix /foo, /: /foobar falls to /', paths: [P('/foo', 'a'), P('/', 'b')], request: '/foobar', want: 'b' },
  { name: 'Exact /foo/ beats Prefix /foo on /foo/ (longer)', paths: [P('/foo', 'a'), E('/foo/', 'b')], request: '/foo/', want: 'b' },
  { name: 'Exact /foo/bar beats Prefix /foo', paths: [P('/foo', 'a'), E('/foo/bar', 'b')], request: '/foo/bar', want: 'b' },
  { name: 'Exact /foo/bar does not take /foo/bar/baz', paths: [P('/foo', 'a'), E('/foo/bar', 'b')], request: '/foo/bar/baz', want: 'a' },
  { name: 'Prefix /foo/bar beats Prefix /foo on /foo/bar/x', paths: [P('/foo', 'a'), P('/foo/bar', 'b')], request: '/foo/bar/x', want: 'b' },
  { name: 'Prefix /foo/bar does not take /foo/barx', paths: [P('/foo', 'a'), P('/foo/bar', 'b')], request: '/foo/barx', want: 'a' },
  { name: 'Exact / only matches /', paths: [E('/', 'a')], request: '/x', want: 404 },
  { name: 'Exact / with Prefix /: / takes Exact', paths: [P('/', 'a'), E('/', 'b')], request: '/', want: 'b' },
  { name: 'Exact is case-sensitive', paths: [E('/Foo', 'a')], request: '/foo', want: 404 },
  { name: 'Prefix is case-sensitive', paths: [P('/Foo', 'a')], request: '/foo/x', want: 404 },
  { name: 'query string is not part of the path', paths: [E('/foo', 'a')], request: '/foo?x=1', want: 'a' },
  { name: 'ImplementationSpecific /foo is Prefix: matches /foo/x', paths: [I('/foo', 'a')], request: '/foo/x', want: 'a' },
  { name: 'ImplementationSpecific /foo is Prefix: not /foobar', paths: [I('/foo', 'a')], request: '/foobar', want: 404 },
  { name: 'Exact /foo/ with Prefix /foo: /foo/x takes the Prefix', paths: [P('/foo', 'a'), E('/foo/', 'b')], request: '/foo/x', want: 'a' },
  // regression: NGINX 301-redirected /foo to /foo/ for `location = /foo/` with proxy_pass (auto_redirect)
  { name: 'regression auto_redirect: Exact /foo/ with Prefix /: /foo takes /', paths: [P('/', 'a'), E('/foo/', 'b')], request: '/foo', want: 'a' },
  { name: 'regression auto_redirect: Exact /foo/ with Prefix /: /foo/ takes Exact', paths: [P('/', 'a'), E('/foo/', 'b')], request: '/foo/', want: 'b' },
  { name: 'regression auto_redirect: Exact /foo/ alone: /foo is 404, not a 301', paths: [E('/foo/', 'a')], request: '/foo', want: 404 },
];
