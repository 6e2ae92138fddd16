// The yaml package, loaded on first use: js-yaml reads the usual manifests
// (fast-yaml.ts) and most commands print no YAML, while loading the yaml
// package costs the CLI ~0.1 s of CPU before its first request.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yamlLib: typeof import('yaml') | undefined;

export function yaml(): typeof import('yaml') {
  return (yamlLib ??= require('yaml') as typeof import('yaml'));
}
