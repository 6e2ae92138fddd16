// Conntrack stamps each connection with its start when
// nf_conntrack_timestamp is on (off by default, per network namespace), and
// `conntrack -L -o ktimestamp` then prints it (`[start=…]`): what
// `podnet observe --last` places the connections still in the table by. The
// agent of each namespace turns it on for its own: the file under /proc/sys
// is the writer's namespace's, and conntrack exists there once the agent's
// rules use it.

import { writeFileSync } from 'node:fs';

const TIMESTAMP_SYSCTL = '/proc/sys/net/netfilter/nf_conntrack_timestamp';

/** Turns start times on in this process's network namespace; says why not when it cannot. */
export function timeConnections(say: (line: string) => void): void {
  try {
    writeFileSync(TIMESTAMP_SYSCTL, '1');
  } catch (err) {
    say(`connections are not timed (podnet observe --last cannot place them): ${(err as Error).message}`);
  }
}
