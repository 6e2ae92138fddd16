// STUB: replaced by the defaulting work. Signature is the contract.
import type { KubeObject } from './types.js';

/** Fills in upstream defaults in place and returns the same object. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  return obj;
}
