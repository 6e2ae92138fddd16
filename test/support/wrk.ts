// wrk, read strictly. wrk's own report counts only statuses ≥ 400 as
// "Non-2xx or 3xx responses" (a 301 or 308 passes unseen) and prints that line
// and "Socket errors" only when they are not zero, so a test that merely looks
// for the lines cannot tell "none" from "not printed". Runs made with
// COUNT_NON_2XX as wrk's script (`-s FILE`) end with a line of our own that
// counts every status outside 200–299; parseWrk() insists on it.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * wrk Lua: count statuses outside 2xx per thread, sum them in done(). Each
 * thread has its own Lua state, so done() reads them through the thread
 * handles setup() collected (wrk's SCRIPTING "setup"/"done" hooks). An
 * argument after `--` is a pause in ms before each request (wrk's delay()),
 * to bound the rate of a run that opens a connection per request.
 */
const COUNT_NON_2XX = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  non2xx = 0
  -- only when asked: with delay() defined at all, wrk sends every request from a timer
  local pause = tonumber(args[1]) or 0
  if pause > 0 then delay = function() return pause end end
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  io.write(string.format("podnet: non-2xx responses: %d\\n", n))
end
`;

export interface WrkReport {
  requests: number;
  non2xx: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  /** wrk's summary lines, for a diagnostic */
  summary: string;
}

/** Writes the counting script to a temporary file; `remove()` deletes it. Any netns on this machine can read it. */
export async function wrkScript(): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podnet-wrk-'));
  const file = path.join(dir, 'count-non-2xx.lua');
  await writeFile(file, COUNT_NON_2XX);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function parseWrk(out: string): WrkReport {
  const requests = /^\s*(\d+) requests in /m.exec(out);
  const non2xx = /^podnet: non-2xx responses: (\d+)$/m.exec(out);
  if (!requests || !non2xx) throw new Error(`not the report of a wrk run with the counting script:\n${out}`);
  const e = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).map(Number) ?? [0, 0, 0, 0];
  return {
    requests: Number(requests[1]),
    non2xx: Number(non2xx[1]),
    errors: { connect: e[0]!, read: e[1]!, write: e[2]!, timeout: e[3]! },
    summary: out.split('\n').filter((l) => /requests in|Requests\/sec|Socket errors|Non-2xx|non-2xx|Latency /.test(l)).map((l) => l.trim()).join(' | '),
  };
}
