// JSON with object keys sorted at every level, so the text does not depend
// on the order keys were written in: what a Go program gets from
// encoding/json on a map (kubectl's last-applied-configuration, the
// pod-template-hash's input). Its text must never change: running pods carry
// a hash of it. (Values come from JSON or YAML, so none is undefined.)

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i > 0 ? ',' : '') + stableJson(value[i]);
    return `${s}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let s = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      s += `${i > 0 ? ',' : ''}${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`;
    }
    return `${s}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
