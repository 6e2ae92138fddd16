// The Gateway API kinds as the v1.2 standard-channel CRDs define them
// (kubernetes-sigs/gateway-api config/crd/standard): GatewayClass, Gateway and
// HTTPRoute in gateway.networking.k8s.io/v1, ReferenceGrant in v1beta1. Each
// schema carries the CRD's defaults, OpenAPI checks and CEL rules (their
// messages are the CRD's, word for word: they are what kubectl prints);
// crd-schema.ts applies them as apiextensions-apiserver does. Fields of the
// experimental channel (a rule's name, a parentRef's port, ...) are not in
// these schemas, so they are pruned as on a standard-channel cluster.

import { gatewayDurationMs } from '../gateway-duration.js';
import type { FieldError } from '../../errors.js';
import type { Condition } from '../types.js';
import {
  applySchemaDefaults, array, has, int, object, str, stringMap, validateAgainstSchema, type ObjectSchema, type Rule, type Schema,
} from './crd-schema.js';
import { get, isObj, objects, type Obj } from './fields.js';

// The CRDs' patterns, as their schemas spell them (the messages print them).
const GROUP = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const KIND = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const NAMESPACE = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** SectionName and PreciseHostname: an RFC 1123 subdomain */
const SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Hostname: a subdomain with an optional leading `*.` label */
const HOSTNAME = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const CONTROLLER_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$";
const PROTOCOL = '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$';
const ADDRESS_TYPE = "^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$";
/** HTTPHeaderName: an RFC 7230 token */
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
/** GEP-2257 Duration */
const DURATION = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
/** the characters an Exact or PathPrefix path may hold (RFC 3986 pchar and '/') */
const PATH_CHARACTERS = "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$";

/** The condition each status starts with, until a controller of the class writes its own. */
function pending(type: string): Condition {
  return { type, status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' } as Condition;
}

/** A status whose default is these conditions, pending (defaulting copies a default, so both may share the list). */
function pendingStatus(...types: string[]): ObjectSchema {
  const conditions = types.map(pending);
  return object({ conditions: array(object({}), { default: conditions }) }, { default: { conditions } });
}

// ---- small CEL helpers ----

const text = (o: unknown, key: string): string | undefined => {
  const v = get(o, key);
  return typeof v === 'string' ? v : undefined;
};
/** CEL's exists_one: exactly one item satisfies `p`. */
const existsOne = <T>(items: readonly T[], p: (x: T) => boolean): boolean => items.filter(p).length === 1;
const emptyOrUnset = (o: Obj, key: string) => !has(o, key) || o[key] === '';
const size = (o: unknown, key: string) => {
  const v = get(o, key);
  return Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : 0;
};
const rule = (message: string, holds: Rule['holds']): Rule => ({ message, holds });
/** A rule over every item of a list. */
const everyItem = (message: string, ok: (item: Obj, all: Obj[]) => boolean): Rule => rule(message, (self) => objects(self).every((x) => ok(x, objects(self))));

// ---- references ----

const objectName = () => str({ minLength: 1, maxLength: 253 });
const group = (dflt?: string) => str({ maxLength: 253, pattern: GROUP, ...(dflt !== undefined ? { default: dflt } : {}) });
const kind = (dflt?: string) => str({ minLength: 1, maxLength: 63, pattern: KIND, ...(dflt !== undefined ? { default: dflt } : {}) });
const namespace = () => str({ minLength: 1, maxLength: 63, pattern: NAMESPACE });
const port = () => int({ minimum: 1, maximum: 65535 });
const sectionName = () => str({ minLength: 1, maxLength: 253, pattern: SUBDOMAIN });
const hostname = () => str({ minLength: 1, maxLength: 253, pattern: HOSTNAME });
const preciseHostname = () => str({ minLength: 1, maxLength: 253, pattern: SUBDOMAIN });

const PORT_FOR_SERVICE = rule('Must have port for Service reference', (self) => !(text(self, 'group') === '' && text(self, 'kind') === 'Service') || has(self, 'port'));

const backendObjectReference = (more: Record<string, Schema> = {}, rules: Rule[] = []) => object({
  group: group(''), kind: kind('Service'), name: objectName(), namespace: namespace(), port: port(), ...more,
}, { required: ['name'], rules: [PORT_FOR_SERVICE, ...rules] });

const parentReference = object({
  group: group('gateway.networking.k8s.io'), kind: kind('Gateway'), namespace: namespace(), name: objectName(), sectionName: sectionName(),
}, { required: ['name'] });

/** Two parentRefs name the same parent: group, kind, name and namespace (unset and '' alike). */
function sameParent(a: Obj, b: Obj): boolean {
  const bothNoNamespace = emptyOrUnset(a, 'namespace') && emptyOrUnset(b, 'namespace');
  const sameNamespace = has(a, 'namespace') && has(b, 'namespace') && a.namespace === b.namespace;
  return a.group === b.group && a.kind === b.kind && a.name === b.name && (bothNoNamespace || sameNamespace);
}

const PARENT_REFS_RULES: Rule[] = [
  everyItem('sectionName must be specified when parentRefs includes 2 or more references to the same parent',
    (p1, all) => all.every((p2) => !sameParent(p1, p2) || emptyOrUnset(p1, 'sectionName') === emptyOrUnset(p2, 'sectionName'))),
  everyItem('sectionName must be unique when parentRefs includes 2 or more references to the same parent',
    (p1, all) => existsOne(all, (p2) => sameParent(p1, p2)
      && ((emptyOrUnset(p1, 'sectionName') && emptyOrUnset(p2, 'sectionName')) || (has(p1, 'sectionName') && has(p2, 'sectionName') && p1.sectionName === p2.sectionName)))),
];

// ---- GatewayClass ----

const GATEWAY_CLASS: ObjectSchema = object({
  spec: object({
    controllerName: str({
      minLength: 1, maxLength: 253, pattern: CONTROLLER_NAME,
      rules: [{ message: 'Value is immutable', transition: true, holds: (self, old) => self === old }],
    }),
    description: str({ maxLength: 64 }),
    parametersRef: object({ group: group(), kind: kind(), name: objectName(), namespace: namespace() }, { required: ['group', 'kind', 'name'] }),
  }, { required: ['controllerName'] }),
  status: pendingStatus('Accepted'),
}, { required: ['spec'] });

// ---- Gateway ----

const labelSelector = object({
  matchLabels: stringMap(),
  matchExpressions: array(object({ key: str(), operator: str(), values: array(str()) }, { required: ['key', 'operator'] })),
});

const TERMINATE_NEEDS_CERTIFICATES = 'certificateRefs or options must be specified when mode is Terminate';

const listenerTLS = object({
  mode: str({ default: 'Terminate', enum: ['Terminate', 'Passthrough'] }),
  certificateRefs: array(object({ group: group(''), kind: kind('Secret'), name: objectName(), namespace: namespace() }, { required: ['name'] }), { maxItems: 64 }),
  options: stringMap({ maxProperties: 16 }, str({ maxLength: 4096 })),
}, {
  // size() of an absent field is CEL's "no such key" error, which the API server reports with the rule
  rules: [rule(TERMINATE_NEEDS_CERTIFICATES, (self) => {
    if (text(self, 'mode') !== 'Terminate') return true;
    if (!has(self, 'certificateRefs')) return { error: 'no such key: certificateRefs' };
    if (size(self, 'certificateRefs') > 0) return true;
    if (!has(self, 'options')) return { error: 'no such key: options' };
    return size(self, 'options') > 0;
  })],
});

const sameHostname = (a: Obj, b: Obj) => (has(a, 'hostname') && has(b, 'hostname') ? a.hostname === b.hostname : !has(a, 'hostname') && !has(b, 'hostname'));

const LISTENERS_RULES: Rule[] = [
  everyItem("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']", (l) => !['HTTP', 'TCP', 'UDP'].includes(String(l.protocol)) || !has(l, 'tls')),
  everyItem('tls mode must be Terminate for protocol HTTPS', (l) => !(l.protocol === 'HTTPS' && has(l, 'tls')) || ['', 'Terminate'].includes(String(text(l.tls, 'mode')))),
  everyItem("hostname must not be specified for protocols ['TCP', 'UDP']", (l) => !['TCP', 'UDP'].includes(String(l.protocol)) || emptyOrUnset(l, 'hostname')),
  everyItem('Listener name must be unique within the Gateway', (l1, all) => existsOne(all, (l2) => l1.name === l2.name)),
  everyItem('Combination of port, protocol and hostname must be unique for each listener',
    (l1, all) => existsOne(all, (l2) => l1.port === l2.port && l1.protocol === l2.protocol && sameHostname(l1, l2))),
];

const listener = object({
  name: sectionName(),
  hostname: hostname(),
  port: port(),
  protocol: str({ minLength: 1, maxLength: 255, pattern: PROTOCOL }),
  tls: listenerTLS,
  allowedRoutes: object({
    namespaces: object({ from: str({ default: 'Same', enum: ['All', 'Selector', 'Same'] }), selector: labelSelector }, { default: { from: 'Same' } }),
    kinds: array(object({ group: group('gateway.networking.k8s.io'), kind: kind() }, { required: ['kind'] }), { maxItems: 8 }),
  }, { default: { namespaces: { from: 'Same' } } }),
}, { required: ['name', 'port', 'protocol'] });

const uniqueAddresses = (type: string) => everyItem(`${type} values must be unique`,
  (a1, all) => a1.type !== type || existsOne(all, (a2) => a2.type === a1.type && a2.value === a1.value));

const GATEWAY: ObjectSchema = object({
  spec: object({
    gatewayClassName: objectName(),
    listeners: array(listener, { minItems: 1, maxItems: 64, listType: 'map', mapKeys: ['name'], rules: LISTENERS_RULES }),
    addresses: array(object({
      type: str({ default: 'IPAddress', minLength: 1, maxLength: 253, pattern: ADDRESS_TYPE }),
      value: str({ minLength: 1, maxLength: 253 }),
    }, {
      required: ['value'],
      rules: [rule(`Hostname value must only contain valid characters (matching ${HOSTNAME})`,
        (self) => text(self, 'type') !== 'Hostname' || new RegExp(HOSTNAME).test(String(text(self, 'value'))))],
    }), { maxItems: 16, rules: [uniqueAddresses('IPAddress'), uniqueAddresses('Hostname')] }),
    infrastructure: object({
      labels: stringMap({ maxProperties: 8 }, str({ maxLength: 63 })),
      annotations: stringMap({ maxProperties: 8 }, str({ maxLength: 4096 })),
      parametersRef: object({ group: group(), kind: kind(), name: objectName() }, { required: ['group', 'kind', 'name'] }),
    }),
  }, { required: ['gatewayClassName', 'listeners'] }),
  status: pendingStatus('Accepted', 'Programmed'),
}, { required: ['spec'] });

// ---- HTTPRoute ----

const EXACT_OR_PREFIX = "when type one of ['Exact', 'PathPrefix']";
/** A path rule: holds for RegularExpression paths, and for the others when `ok` does. */
const pathRule = (message: string, ok: (value: string) => boolean): Rule =>
  rule(message, (self) => !['Exact', 'PathPrefix'].includes(String(text(self, 'type'))) || ok(text(self, 'value') ?? ''));

const pathMatch = object({
  type: str({ default: 'PathPrefix', enum: ['Exact', 'PathPrefix', 'RegularExpression'] }),
  value: str({ default: '/', maxLength: 1024 }),
}, {
  default: { type: 'PathPrefix', value: '/' },
  rules: [
    pathRule(`value must be an absolute path and start with '/' ${EXACT_OR_PREFIX}`, (v) => v.startsWith('/')),
    ...['//', '/./', '/../', '%2f', '%2F', '#'].map((bad) => pathRule(`must not contain '${bad}' ${EXACT_OR_PREFIX}`, (v) => !v.includes(bad))),
    ...['/..', '/.'].map((bad) => pathRule(`must not end with '${bad}' ${EXACT_OR_PREFIX}`, (v) => !v.endsWith(bad))),
    rule("type must be one of ['Exact', 'PathPrefix', 'RegularExpression']", (self) => ['Exact', 'PathPrefix', 'RegularExpression'].includes(String(text(self, 'type')))),
    pathRule(`must only contain valid characters (matching ${PATH_CHARACTERS}) for types ['Exact', 'PathPrefix']`, (v) => new RegExp(PATH_CHARACTERS).test(v)),
  ],
});

const headerName = () => str({ minLength: 1, maxLength: 256, pattern: HEADER_NAME });
const valueMatch = (maxLength: number) => object({
  type: str({ default: 'Exact', enum: ['Exact', 'RegularExpression'] }), name: headerName(), value: str({ minLength: 1, maxLength }),
}, { required: ['name', 'value'] });

const routeMatch = object({
  path: pathMatch,
  headers: array(valueMatch(4096), { maxItems: 16, listType: 'map', mapKeys: ['name'] }),
  queryParams: array(valueMatch(1024), { maxItems: 16, listType: 'map', mapKeys: ['name'] }),
  method: str({ enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] }),
});

const header = object({ name: headerName(), value: str({ minLength: 1, maxLength: 4096 }) }, { required: ['name', 'value'] });
const headerFilter = object({
  set: array(header, { maxItems: 16, listType: 'map', mapKeys: ['name'] }),
  add: array(header, { maxItems: 16, listType: 'map', mapKeys: ['name'] }),
  remove: array(str(), { maxItems: 16, listType: 'set' }),
});

/** The modifier's type and its one field go together. */
const modifierRules = (type: string, key: string): Rule[] => [
  rule(`${key} must be specified when type is set to '${type}'`, (self) => text(self, 'type') !== type || has(self, key)),
  rule(`type must be '${type}' when ${key} is set`, (self) => !has(self, key) || text(self, 'type') === type),
];
const pathModifier = object({
  type: str({ enum: ['ReplaceFullPath', 'ReplacePrefixMatch'] }),
  replaceFullPath: str({ maxLength: 1024 }),
  replacePrefixMatch: str({ maxLength: 1024 }),
}, { required: ['type'], rules: [...modifierRules('ReplaceFullPath', 'replaceFullPath'), ...modifierRules('ReplacePrefixMatch', 'replacePrefixMatch')] });

/** Each filter type and the one field it sets, in the CRD's order. */
const FILTER_FIELDS: [string, string][] = [
  ['requestHeaderModifier', 'RequestHeaderModifier'], ['responseHeaderModifier', 'ResponseHeaderModifier'], ['requestMirror', 'RequestMirror'],
  ['requestRedirect', 'RequestRedirect'], ['urlRewrite', 'URLRewrite'], ['extensionRef', 'ExtensionRef'],
];

const filter = object({
  type: str({ enum: FILTER_FIELDS.map(([, type]) => type) }),
  requestHeaderModifier: headerFilter,
  responseHeaderModifier: headerFilter,
  requestMirror: object({ backendRef: backendObjectReference() }, { required: ['backendRef'] }),
  requestRedirect: object({
    scheme: str({ enum: ['http', 'https'] }), hostname: preciseHostname(), path: pathModifier, port: port(), statusCode: int({ default: 302, enum: [301, 302] }),
  }),
  urlRewrite: object({ hostname: preciseHostname(), path: pathModifier }),
  extensionRef: object({ group: group(), kind: kind(), name: objectName() }, { required: ['group', 'kind', 'name'] }),
}, {
  required: ['type'],
  rules: FILTER_FIELDS.flatMap(([key, type]) => [
    rule(`filter.${key} must be nil if the filter.type is not ${type}`, (self) => !(has(self, key) && text(self, 'type') !== type)),
    rule(`filter.${key} must be specified for ${type} filter.type`, (self) => !(!has(self, key) && text(self, 'type') === type)),
  ]),
});

const countOf = (filters: unknown, type: string) => objects(filters).filter((f) => f.type === type).length;
const notRepeated = (type: string) => rule(`${type} filter cannot be repeated`, (self) => countOf(self, type) <= 1);
const REDIRECT_OR_REWRITE = rule('May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
  (self) => !(countOf(self, 'RequestRedirect') > 0 && countOf(self, 'URLRewrite') > 0));

const backendRef = backendObjectReference({
  weight: int({ default: 1, minimum: 0, maximum: 1000000 }),
  filters: array(filter, { maxItems: 16, rules: [REDIRECT_OR_REWRITE, notRepeated('RequestHeaderModifier'), notRepeated('ResponseHeaderModifier')] }),
});

/** A filter of `key` (requestRedirect or urlRewrite) that replaces the prefix match. */
function replacesPrefixMatch(f: Obj, key: string): boolean {
  const path = get(f[key], 'path');
  return isObj(path) && path.type === 'ReplacePrefixMatch' && has(path, 'replacePrefixMatch');
}
/** The rule matches exactly one PathPrefix path, which a prefix replacement needs. */
function onePrefixMatch(r: Obj): boolean {
  const matches = objects(r.matches);
  return matches.length === 1 && has(matches[0], 'path') && get(matches[0]!.path, 'type') === 'PathPrefix';
}
const prefixReplacementRule = (message: string, key: string, inBackends: boolean) => rule(message, (self) => {
  const r = isObj(self) ? self : {};
  const inFilters = (filters: unknown) => existsOne(objects(filters), (f) => has(f, key) && replacesPrefixMatch(f, key));
  const used = inBackends ? existsOne(objects(r.backendRefs), (b) => inFilters(b.filters)) : inFilters(r.filters);
  return !used || onePrefixMatch(r);
});

const routeRule = object({
  matches: array(routeMatch, { maxItems: 64, default: [{ path: { type: 'PathPrefix', value: '/' } }] }),
  filters: array(filter, {
    maxItems: 16,
    rules: [REDIRECT_OR_REWRITE, ...['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'].map(notRepeated)],
  }),
  backendRefs: array(backendRef, { maxItems: 16 }),
  timeouts: object({ request: str({ pattern: DURATION }), backendRequest: str({ pattern: DURATION }) }, {
    rules: [rule('backendRequest timeout cannot be longer than request timeout', (self) => {
      const request = text(self, 'request');
      const backend = text(self, 'backendRequest');
      return request === undefined || backend === undefined || gatewayDurationMs(request) === 0 || gatewayDurationMs(backend) <= gatewayDurationMs(request);
    })],
  }),
}, {
  rules: [
    rule('RequestRedirect filter must not be used together with backendRefs',
      (self) => size(self, 'backendRefs') === 0 || objects(get(self, 'filters')).every((f) => !has(f, 'requestRedirect'))),
    prefixReplacementRule('When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified', 'requestRedirect', false),
    prefixReplacementRule('When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified', 'urlRewrite', false),
    prefixReplacementRule('Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified', 'requestRedirect', true),
    prefixReplacementRule('Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified', 'urlRewrite', true),
  ],
});

/** HTTPRoute's limit on matches across its rules (16 rules of up to 64 matches each would allow 1024). */
const MAX_MATCHES_PER_ROUTE = 128;

const HTTP_ROUTE: ObjectSchema = object({
  spec: object({
    parentRefs: array(parentReference, { maxItems: 32, rules: PARENT_REFS_RULES }),
    hostnames: array(hostname(), { maxItems: 16 }),
    rules: array(routeRule, {
      maxItems: 16,
      default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
      rules: [rule(`While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than ${MAX_MATCHES_PER_ROUTE}`,
        (self) => objects(self).reduce((n, r) => n + size(r, 'matches'), 0) <= MAX_MATCHES_PER_ROUTE)],
    }),
  }),
}, { required: ['spec'] });

// ---- ReferenceGrant ----

const REFERENCE_GRANT: ObjectSchema = object({
  spec: object({
    from: array(object({ group: group(), kind: kind(), namespace: namespace() }, { required: ['group', 'kind', 'namespace'] }), { minItems: 1, maxItems: 16 }),
    to: array(object({ group: group(), kind: kind(), name: objectName() }, { required: ['group', 'kind'] }), { minItems: 1, maxItems: 16 }),
  }, { required: ['from', 'to'] }),
});

const SCHEMAS: Readonly<Record<string, ObjectSchema>> = {
  GatewayClass: GATEWAY_CLASS, Gateway: GATEWAY, HTTPRoute: HTTP_ROUTE, ReferenceGrant: REFERENCE_GRANT,
};

/** The schema of a Gateway API kind podnet serves (field validation reads its field names too); undefined for any other. */
export function gatewaySchemaOf(kind: string): ObjectSchema | undefined {
  return SCHEMAS[kind];
}

/** The status a new object reads back with: a copy of its CRD's status default (GatewayClass and Gateway have one); undefined for the others. */
export function initialGatewayStatus(kind: string): unknown {
  const status = SCHEMAS[kind]?.properties.status?.default;
  return status === undefined ? undefined : structuredClone(status);
}

/** The CRD's defaults, in place (spec and, for a GatewayClass or Gateway, status). */
export function defaultGatewayObject(obj: Obj): void {
  const schema = SCHEMAS[String(obj.kind)];
  if (schema) applySchemaDefaults(schema, obj);
}

/** The CRD's status defaults only, for a status write. */
export function defaultGatewayStatus(obj: Obj): void {
  const status = SCHEMAS[String(obj.kind)]?.properties.status;
  if (!status) return;
  applySchemaDefaults(object({ status }), obj);
}

/** The CRD's OpenAPI checks and CEL rules, with the stored object on update (GatewayClass's controllerName is immutable). */
export function validateGatewayObject(obj: Obj, old?: Obj): FieldError[] {
  const schema = SCHEMAS[String(obj.kind)];
  return schema ? validateAgainstSchema(schema, obj, old) : [];
}
