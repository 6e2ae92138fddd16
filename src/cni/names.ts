// Deterministic names and MAC addresses. The host end of a pod's veth is
// named from (container id, ifname), so DEL and GC find it without entering
// the sandbox — which may already be gone — and without any saved state.
//
// FNV-1a (32 bit) rather than node:crypto: loading crypto costs ~10 ms of a
// plugin run that is mostly start-up, and these names need spread, not
// secrecy. 32 bits is what the reference plugins use too (veth + 8 random hex).

export const HOST_VETH_PREFIX = 'veth';
/** `veth` + 8 hex = 12 characters, inside IFNAMSIZ (15) */
export const HOST_VETH_PATTERN = /^veth[0-9a-f]{8}$/;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `parts` joined by '\0' (which neither part contains). */
export function fnv1a(...parts: string[]): number {
  const text = parts.join('\0');
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export function hostVethName(containerId: string, ifName: string): string {
  return HOST_VETH_PREFIX + hex8(fnv1a(containerId, ifName));
}

/**
 * A locally administered unicast MAC (IEEE 802: bit 1 of the first octet set,
 * bit 0 clear). Fixed MACs let ADD report them without reading them back, and
 * a bridge with an explicit MAC keeps it instead of following its lowest port.
 */
export function stableMac(...parts: string[]): string {
  const bytes = hex8(fnv1a('mac-hi', ...parts)) + hex8(fnv1a('mac-lo', ...parts)).slice(0, 4);
  const first = (parseInt(bytes.slice(0, 2), 16) & 0xfe) | 0x02;
  return [first.toString(16).padStart(2, '0'), ...(bytes.slice(2).match(/../g) ?? [])].join(':');
}

/** The sandbox end's name until it is renamed to CNI_IFNAME: unique per attachment, never a name a runtime asks for. */
export function tempPeerName(hostVeth: string): string {
  return `pn${hostVeth}`;
}
