// Deterministic names and MAC addresses. The host end of a pod's veth is
// named from (container id, ifname), so DEL and GC find it without entering
// the sandbox — which may already be gone — and without any saved state.

import { createHash } from 'node:crypto';

export const HOST_VETH_PREFIX = 'veth';
/** `veth` + 8 hex = 12 characters, inside IFNAMSIZ (15) */
export const HOST_VETH_PATTERN = /^veth[0-9a-f]{8}$/;

function digest(...parts: string[]): Buffer {
  // '\0' cannot occur in either part, so ("ab","c") and ("a","bc") differ
  return createHash('sha256').update(parts.join('\0')).digest();
}

export function hostVethName(containerId: string, ifName: string): string {
  return HOST_VETH_PREFIX + digest(containerId, ifName).subarray(0, 4).toString('hex');
}

/**
 * A locally administered unicast MAC (IEEE 802: bit 1 of the first octet set,
 * bit 0 clear). Fixed MACs let ADD report them without reading them back, and
 * a bridge with an explicit MAC keeps it instead of following its lowest port.
 */
export function stableMac(...parts: string[]): string {
  const b = digest('mac', ...parts).subarray(0, 6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
