// CNI spec versions podnet-cni speaks, and the result shape of each.
//
// 0.3.0-0.4.0 results carry `version: "4"` on every ips entry; 1.0.0 dropped
// that field (SPEC.md "Version considerations"). Everything else in our result
// is the same across these versions, so one internal result is rendered for
// the version the network configuration asked for.

import { CNI_ERROR, CniError } from '../errors.js';
import type { CniResult } from './types.js';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

/** Commands and the first spec version that defines them (CHECK: 0.4.0; STATUS, GC: 1.1.0). */
const COMMAND_SINCE: Record<string, string> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

/** -1, 0, 1 like a comparator; versions are plain MAJOR.MINOR.PATCH. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function isSupportedVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Throws code 1 when the configuration's version is not one we speak, or too old for the command. */
export function requireVersion(version: string, command: string): void {
  if (!isSupportedVersion(version)) {
    throw new CniError(CNI_ERROR.incompatibleVersion,
      `incompatible CNI versions; config is "${version}", plugin supports [${SUPPORTED_VERSIONS.join(' ')}]`);
  }
  const since = COMMAND_SINCE[command];
  if (since && compareVersions(version, since) < 0) {
    throw new CniError(CNI_ERROR.incompatibleVersion, `config version does not allow ${command}`, `${command} needs cniVersion ${since} or later, config is "${version}"`);
  }
}

/** The result as JSON for `version` (fields in the order the bridge plugin prints them). */
export function renderResult(result: CniResult, version: string): Record<string, unknown> {
  const legacy = compareVersions(version, '1.0.0') < 0;
  return {
    cniVersion: version,
    interfaces: result.interfaces.map((i) => ({ name: i.name, mac: i.mac, ...(i.sandbox !== undefined ? { sandbox: i.sandbox } : {}) })),
    ips: result.ips.map((ip) => ({
      ...(legacy ? { version: '4' } : {}),
      interface: ip.interface,
      address: ip.address,
      ...(ip.gateway ? { gateway: ip.gateway } : {}),
    })),
    ...(result.routes.length > 0 ? { routes: result.routes.map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) })) } : {}),
    dns: result.dns,
  };
}
