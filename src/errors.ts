// Every error podnet raises, in one place, each with a stable code. API errors
// carry the Kubernetes Status body so the API server can return it verbatim and
// the CLI can print its message exactly as kubectl would.

import type { Status, StatusCause } from './api/types.js';

export class PodnetError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PodnetError';
  }
}

/** A failed external command (ip, nft, nginx, conntrack...), with its argv and stderr. */
export class CommandError extends PodnetError {
  constructor(readonly argv: readonly string[], readonly exitCode: number | null, readonly stderr: string, readonly stdout = '') {
    super('ECOMMAND', `${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || stdout.trim() || 'no output'}`);
    this.name = 'CommandError';
  }
}

export class ApiError extends PodnetError {
  /** what the request was warned of before it failed (a Warning header on the error answer too, as upstream) */
  warnings?: readonly string[];

  constructor(readonly status: Status) {
    super(`E${status.reason.toUpperCase()}`, status.message);
    this.name = 'ApiError';
  }
  get httpCode(): number { return this.status.code; }
  get reason(): string { return this.status.reason; }
}

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

/** `plural.group` as the API server writes a resource in messages ("deployments.apps"). */
function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const apiErrors = {
  notFound: (plural: string, group: string, name: string) =>
    new ApiError(status(404, 'NotFound', `${qualified(plural, group)} "${name}" not found`, { name, group, kind: plural })),
  alreadyExists: (plural: string, group: string, name: string) =>
    new ApiError(status(409, 'AlreadyExists', `${qualified(plural, group)} "${name}" already exists`, { name, group, kind: plural })),
  conflict: (plural: string, group: string, name: string) =>
    new ApiError(status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group, kind: plural })),
  /** 422, worded as apimachinery's NewInvalid: the kind qualified by its group ("Deployment.apps"), as GroupKind.String() does */
  invalid: (kind: string, group: string, name: string, causes: FieldError[]) => {
    const list = causes.map(String);
    const body = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new ApiError(status(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${body}`, {
      name, group, kind,
      causes: causes.map((c): StatusCause => ({ reason: c.type, message: c.detailMessage(), field: c.field })),
    }));
  },
  gone: (message: string) => new ApiError(status(410, 'Expired', message)),
  /** storage.NewTooLargeResourceVersionError as the API server answers it: 504 Timeout, retry after 1 s */
  tooLargeResourceVersion: (asked: number, current: number) => new ApiError(status(504, 'Timeout', `Too large resource version: ${asked}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1,
  })),
  badRequest: (message: string) => new ApiError(status(400, 'BadRequest', message)),
  methodNotAllowed: (message: string) => new ApiError(status(405, 'MethodNotAllowed', message)),
  noMatch: (kind: string, apiVersion: string) =>
    new ApiError(status(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`)),
  forbidden: (message: string) => new ApiError(status(403, 'Forbidden', message)),
  internal: (message: string) => new ApiError(status(500, 'InternalError', `Internal error occurred: ${message}`)),
  /** NamespaceLifecycle admission's refusal: errors.NewForbidden for the resource and name, with its NamespaceTerminating cause. */
  namespaceTerminating: (plural: string, group: string, name: string, ns: string) => {
    const what = name ? `${qualified(plural, group)} "${name}"` : qualified(plural, group);
    return new ApiError(status(403, 'Forbidden', `${what} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
      name, group, kind: plural,
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
    }));
  },
};

export function isApiError(e: unknown, reason?: string): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}

/**
 * One field problem, rendered as the API server does (k8s.io/apimachinery
 * field.Error): `spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive`.
 */
export type FieldErrorType = 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueNotFound' | 'FieldValueTooMany' | 'FieldValueTooLong';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueNotFound: 'Not found',
  FieldValueTooMany: 'Too many',
  FieldValueTooLong: 'Too long',
};

const OMIT_VALUE = Symbol('omit');

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string,
  ) {}

  /** Message without the field path (StatusCause.message). */
  detailMessage(): string {
    const parts = [TYPE_TEXT[this.type]];
    if (this.value !== OMIT_VALUE) parts.push(renderValue(this.value));
    if (this.detail) parts.push(this.detail);
    return parts.join(': ');
  }

  toString(): string { return `${this.field}: ${this.detailMessage()}`; }
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const field = {
  required: (path: string, detail = '') => new FieldError('FieldValueRequired', path, OMIT_VALUE, detail),
  invalid: (path: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', path, value, detail),
  notSupported: (path: string, value: unknown, supported: string[]) =>
    new FieldError('FieldValueNotSupported', path, value, `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`),
  duplicate: (path: string, value: unknown) => new FieldError('FieldValueDuplicate', path, value, ''),
  forbidden: (path: string, detail: string) => new FieldError('FieldValueForbidden', path, OMIT_VALUE, detail),
  notFound: (path: string, value: unknown) => new FieldError('FieldValueNotFound', path, value, ''),
  tooMany: (path: string, actual: number, max: number) => new FieldError('FieldValueTooMany', path, actual, `must have at most ${max} items`),
};

/** CNI spec error codes (CNI spec, "Error" section). */
export const CNI_ERROR = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  containerUnknown: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidNetworkConfig: 7,
  tryAgainLater: 11,
  pluginNotAvailable: 50,
  limitedConnectivity: 51,
} as const;

export class CniError extends PodnetError {
  constructor(readonly cniCode: number, readonly msg: string, readonly details = '') {
    super(`ECNI${cniCode}`, details ? `${msg}: ${details}` : msg);
    this.name = 'CniError';
  }
  toJSON(cniVersion: string) {
    return { cniVersion, code: this.cniCode, msg: this.msg, ...(this.details ? { details: this.details } : {}) };
  }
}

/**
 * podnet-cni's own error codes. The CNI spec ("Error" section) reserves 0-99
 * for the well-known codes above and leaves 100+ to plugins.
 */
export const CNI_PLUGIN_ERROR = {
  /** ADD for a (container, ifname) that already holds an address; host-local refuses this too */
  duplicateAllocation: 100,
  /** creating or configuring the bridge, veth pair or sandbox interface failed */
  linkSetupFailed: 101,
  /** CHECK found the attachment different from prevResult */
  checkFailed: 102,
  /** the plugin was started outside a podnet-created network namespace, e.g. the host's (sealed-network guard) */
  hostNetns: 103,
  /** anything unexpected; the bridge reference plugin uses 999 the same way */
  internal: 999,
} as const;

/**
 * The service proxy could not program its nftables table; the previous
 * ruleset stays in place. `services` names the Services (`ns/name`) whose
 * rules nft rejected, when that could be told, so the agent can raise Events.
 */
export class ProxySyncError extends PodnetError {
  constructor(readonly services: readonly string[], readonly nftStderr: string, options?: { cause?: unknown }) {
    super('EPROXYSYNC', `could not apply service rules${services.length ? ` for Service ${services.join(', ')}` : ''}: ${nftStderr.trim().split('\n')[0] ?? 'nft failed'}`, options);
    this.name = 'ProxySyncError';
  }

  /** The first Service at fault, for an Event on it. */
  get service(): { namespace: string; name: string } | undefined {
    const first = this.services[0];
    if (!first) return undefined;
    const [namespace, name] = first.split('/');
    return { namespace: namespace ?? '', name: name ?? '' };
  }
}
