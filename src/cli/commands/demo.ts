// `podnet demo`: until the outside world (load balancer, external DNS,
// ingress) exists, the demo brings the cluster up, applies the built-in
// example and shows a request crossing the pod network and a Service.

import { fileURLToPath } from 'node:url';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { applyCommand } from './apply.js';
import { upCommand } from './up-down.js';
import { waitCommand } from './wait.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export async function demoCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  await upCommand(ctx, flags);
  const code = await applyCommand(ctx, { ...flags, filenames: [EXAMPLES] });
  if (code !== 0) return code;
  return waitCommand(ctx, { ...flags, for: 'condition=Ready', positionals: ['pods'], all: true, namespace: 'shop', timeout: '60s' });
}
