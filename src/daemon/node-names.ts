// The names a new cluster gives its nodes: node-1 … node-N (DESIGN.md).

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}
