// Imported first by the CLI's entry point, so that the tiering flags hold
// for every module the command loads after it (src/v8-flags.ts).

import { applyTieringFlags } from '../v8-flags.js';

applyTieringFlags();
