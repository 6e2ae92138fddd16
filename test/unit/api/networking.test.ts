// Ingress and IngressClass validation, as rows of manifest → exact messages.

import { DNS1035_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, ingress, ingressPath, meta, table } from './fixtures.js';

const svcBackend = (port: object = { number: 80 }, name = 'web') => ({ service: { name, port } });
const WILDCARD_MSG = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const P = 'spec.rules[0].http.paths[0]';

table('Ingress', [
  { name: 'valid', obj: ingress(), want: [] },
  { name: 'valid wildcard host', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend() }, '*.example.com'), want: [] },
  { name: 'valid defaultBackend only', obj: ingress({ rules: undefined, defaultBackend: svcBackend({ name: 'http' }) }), want: [] },
  { name: 'neither rules nor defaultBackend', obj: ingress({ rules: undefined }), want: ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'] },
  { name: 'host is an IP', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend() }, '10.0.0.1'), want: ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'] },
  { name: 'host not a subdomain', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend() }, 'Web.example.com'), want: [`spec.rules[0].host: Invalid value: "Web.example.com": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'wildcard not the whole first label', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend() }, 'foo.*.com'), want: [`spec.rules[0].host: Invalid value: "foo.*.com": ${WILDCARD_MSG}`] },
  { name: 'http.paths required', obj: ingress({ rules: [{ host: 'a.example.com', http: { paths: [] } }] }), want: ['spec.rules[0].http.paths: Required value'] },
  { name: 'pathType required', obj: ingressPath({ path: '/', backend: svcBackend() }), want: [`${P}.pathType: Required value: pathType must be specified`] },
  { name: 'pathType supported', obj: ingressPath({ path: '/', pathType: 'Regex', backend: svcBackend() }), want: [`${P}.pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`] },
  { name: 'Prefix path must be absolute', obj: ingressPath({ path: 'api', pathType: 'Prefix', backend: svcBackend() }), want: [`${P}.path: Invalid value: "api": must be an absolute path`] },
  { name: 'Exact path may not be empty', obj: ingressPath({ pathType: 'Exact', backend: svcBackend() }), want: [`${P}.path: Invalid value: "": must be an absolute path`] },
  { name: 'ImplementationSpecific may be empty', obj: ingressPath({ pathType: 'ImplementationSpecific', backend: svcBackend() }), want: [] },
  { name: 'path with //', obj: ingressPath({ path: '/a//b', pathType: 'Prefix', backend: svcBackend() }), want: [`${P}.path: Invalid value: "/a//b": must not contain '//'`] },
  { name: 'path ending in /..', obj: ingressPath({ path: '/a/..', pathType: 'Exact', backend: svcBackend() }), want: [`${P}.path: Invalid value: "/a/..": cannot end with '/..'`] },
  { name: 'backend needs service or resource', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: {} }), want: [`${P}.backend: Invalid value: "": resource or service backend is required`] },
  { name: 'backend with both', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: { ...svcBackend(), resource: { kind: 'Bucket', name: 'b' } } }), want: [`${P}.backend: Invalid value: "": cannot set both resource and service backends`] },
  { name: 'service name DNS-1035', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend({ number: 80 }, '1web') }), want: [`${P}.backend.service.name: Invalid value: "1web": ${DNS1035_LABEL_MSG}`] },
  { name: 'service name required', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: { service: { port: { number: 80 } } } }), want: [`${P}.backend.service.name: Required value`] },
  { name: 'port name or number required', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend({}) }), want: [`${P}.backend: Required value: port name or number is required`] },
  { name: 'port name and number', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend({ name: 'http', number: 80 }) }), want: [`${P}.backend: Invalid value: "": cannot set both port name & port number`] },
  { name: 'port number range', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: svcBackend({ number: 70000 }) }), want: [`${P}.backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive`] },
  { name: 'resource backend needs kind', obj: ingressPath({ path: '/', pathType: 'Prefix', backend: { resource: { name: 'b' } } }), want: [`${P}.backend.resource.kind: Required value`] },
  { name: 'defaultBackend validated', obj: ingress({ defaultBackend: svcBackend({ name: 'HTTP' }) }), want: ['spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain at least one letter (a-z)'] },
  { name: 'tls hosts', obj: ingress({ tls: [{ hosts: ['ok.example.com', '*.*.example.com'], secretName: 'tls' }] }), want: [`spec.tls[0].hosts[1]: Invalid value: "*.*.example.com": ${WILDCARD_MSG}`] },
  { name: 'tls secretName', obj: ingress({ tls: [{ secretName: 'Tls_Secret' }] }), want: [`spec.tls[0].secretName: Invalid value: "Tls_Secret": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'ingressClassName', obj: ingress({ ingressClassName: 'Nginx' }), want: [`spec.ingressClassName: Invalid value: "Nginx": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'class annotation must agree on create', obj: ingress({ ingressClassName: 'nginx' }, meta('web', { annotations: { 'kubernetes.io/ingress.class': 'traefik' } })), want: ['annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match `ingressClassName` when both are specified'] },
]);

const ingressClass = (spec: object, name = 'nginx') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec });

table('IngressClass', [
  { name: 'valid', obj: ingressClass({ controller: 'k8s.io/ingress-nginx' }), want: [] },
  { name: 'controller required', obj: ingressClass({}), want: ['spec.controller: Required value'] },
  { name: 'controller must be domain-prefixed', obj: ingressClass({ controller: 'nginx' }), want: ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'] },
  { name: 'controller domain must be a subdomain', obj: ingressClass({ controller: 'Acme_IO/x' }), want: [`spec.controller: Invalid value: "Acme_IO": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'parameters scope', obj: ingressClass({ controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Config', name: 'c', scope: 'Namespace' } }), want: ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"] },
  { name: 'controller is immutable', obj: ingressClass({ controller: 'example.com/other' }), old: ingressClass({ controller: 'k8s.io/ingress-nginx' }), want: ['spec.controller: Invalid value: "example.com/other": field is immutable'] },
]);
