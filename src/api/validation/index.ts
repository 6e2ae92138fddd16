// STUB: replaced by the validation work. Signature is the contract.
import type { KubeObject } from '../types.js';
import type { FieldError } from '../../errors.js';

/**
 * Validates one object as the API server would on create (old undefined) or
 * update (old = stored object). Returns every field problem; [] means valid.
 * Allocation conflicts (a nodePort or clusterIP already taken) are the
 * registry's job, not this function's.
 */
export function validateObject(_obj: KubeObject, _old?: KubeObject): FieldError[] {
  return [];
}
