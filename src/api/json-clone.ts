// A deep copy of a JSON value, equal to JSON.parse(JSON.stringify(value)) —
// undefined, functions and symbols are left out of objects and become null in
// arrays, non-finite numbers become null, toJSON (Date) is honoured — but
// without building and re-reading the text: a Pod or Deployment copies in
// about a third of the round trip's time (LocalClient copies every object a
// controller writes, ~8,000 in a 2,000-object apply) and in a fraction of
// structuredClone's.

/** JSON.parse(JSON.stringify(value)) for values made of objects, arrays, strings, numbers, booleans and null. */
export function jsonClone<T>(value: T): T {
  if (value === undefined) return undefined as T;
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : null; // + 0: -0 is written as 0
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
    // bigint throws, undefined/function/symbol vanish: what JSON does
    return JSON.parse(JSON.stringify(v) ?? 'null') as unknown;
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : copy(x);
    }
    return out;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(v)) as unknown;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    // JSON.parse makes "__proto__" an own property; plain assignment would set the prototype
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(x), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(x);
  }
  return out;
}
