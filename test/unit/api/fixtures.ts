// Builders for valid objects of every kind, and the table runner the
// validation tests share: defaults, then validation, then an exact comparison
// of the rendered messages (String(fieldError), as `podnet` prints them).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation/index.js';
import type { KubeObject } from '../../../src/api/types.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
export const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
export const LABEL_KEY_NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
export const CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

export const meta = (name = 'web', extra: Json = {}) => ({ name, namespace: 'default', ...extra });
export const container = (extra: Json = {}) => ({ name: 'app', image: 'podnet/echo', ...extra });

export function pod(spec: Json = {}, metadata: Json = meta()): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [container()], ...spec } };
}

export function service(spec: Json = {}, metadata: Json = meta()): Json {
  return { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec } };
}

export function template(podSpec: Json = {}, labels: Json = { app: 'web' }): Json {
  return { metadata: { labels }, spec: { containers: [container()], ...podSpec } };
}

export function deployment(spec: Json = {}, metadata: Json = meta()): Json {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } };
}

export function statefulSet(spec: Json = {}, metadata: Json = meta()): Json {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } };
}

export function ingress(spec: Json = {}, metadata: Json = meta()): Json {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata,
    spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }], ...spec },
  };
}

/** An Ingress with one rule whose single path is `path`. */
export function ingressPath(path: Json, host = 'web.example.com'): Json {
  return ingress({ rules: [{ host, http: { paths: [path] } }] });
}

export function run(obj: Json, old?: Json): string[] {
  const o = applyDefaults(structuredClone(obj) as KubeObject);
  const prev = old ? applyDefaults(structuredClone(old) as KubeObject) : undefined;
  return validateObject(o, prev).map(String);
}

export interface Case { name: string; obj: Json; old?: Json; want: string[] }

/** One test per row: the object's validation messages, in order, exactly. */
export function table(title: string, cases: Case[]): void {
  for (const c of cases) {
    test(`${title}: ${c.name}`, () => {
      assert.deepEqual(run(c.obj, c.old), c.want);
    });
  }
}
