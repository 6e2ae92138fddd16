// Imported first by the entry points of the CLI and the daemon, so that the
// tiering flags hold for every module the process loads after it
// (src/v8-flags.ts). The watchers get them on their command line instead,
// with --single-threaded, which only works there.

import { applyTieringFlags } from './v8-flags.js';

applyTieringFlags();
