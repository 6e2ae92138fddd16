// Writing a file that another process may read at any moment (a state file, a
// conf, a status): through a temporary name in the same directory and a
// rename(2), which replaces the target atomically, so a reader sees the old
// content or the new, never half of it.

import { renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

function tmpName(file: string): string { return `${file}.tmp-${process.pid}`; }

export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = tmpName(file);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

export async function writeFileAtomicAsync(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = tmpName(file);
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}
