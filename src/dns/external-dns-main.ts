// The outside world's authoritative DNS ("Route53", 198.51.100.53):
//   node dist/src/dns/external-dns-main.js --records FILE.json [--listen 0.0.0.0:53]
//     [--zone example.test ...] [--ns-address 198.51.100.53] [--query-log stdout|PATH]
// FILE holds a RecordMap ({"shop.example.test": {"A": ["203.0.113.10"]}}); it is
// re-read when it changes (write it to a temporary name and rename it over,
// so a reader never sees half a file), and the new records are served at once.
// The change is noticed through inotify on the file's directory (a rename
// replaces the inode, so watching the file itself would miss the next one);
// a slow stat poll stays as a safety net should inotify be unavailable.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuthoritativeZones, type RecordMap } from './authoritative.js';
import { parseHostPort } from './host-port.js';
import { openQueryLog, QUERY_LOG_ENV } from './query-log.js';
import { DnsServer } from './server.js';
import { StartupTrace } from '../startup-trace.js';

const SAFETY_POLL_MS = 1000;

function load(file: string): RecordMap {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RecordMap;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string' },
      listen: { type: 'string', default: '0.0.0.0:53' },
      zone: { type: 'string', multiple: true },
      'ns-address': { type: 'string' },
      'query-log': { type: 'string' },
    },
  });
  const file = values.records;
  if (!file) throw new Error('--records FILE is required');
  // The records file lies in the cluster's state directory, where the start-up trace is.
  const trace = StartupTrace.open(path.dirname(file), 'external-dns');
  trace.mark('main');
  const zones = new AuthoritativeZones(load(file), { zones: values.zone, nameserverAddress: values['ns-address'] });
  const listen = parseHostPort(values.listen!);
  const server = new DnsServer({ handler: zones, host: listen.host, port: listen.port, queryLog: openQueryLog(values['query-log'] ?? process.env[QUERY_LOG_ENV]) });
  await server.start();
  trace.mark('serving');
  const reload = () => {
    try {
      zones.setRecords(load(file));
    } catch (e) {
      process.stderr.write(`external dns: keeping old records, could not read ${file}: ${(e as Error).message}\n`);
    }
  };
  const base = path.basename(file);
  let dirWatch: fs.FSWatcher | undefined;
  try {
    dirWatch = fs.watch(path.dirname(file), (_event, name) => { if (name === base) reload(); });
  } catch (e) {
    process.stderr.write(`external dns: no inotify (${(e as Error).message}), polling ${file}\n`);
  }
  fs.watchFile(file, { interval: SAFETY_POLL_MS }, reload);
  process.stderr.write(`external dns: listening on ${listen.host}:${server.port}, zones ${zones.zoneNames().join(',')}\n`);
  process.stdout.write('ready\n');
  const shutdown = () => { dirWatch?.close(); fs.unwatchFile(file); void server.stop().then(() => process.exit(0)); };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`external-dns: ${(e as Error).message}\n`);
  process.exit(1);
});
