// The world outside the cluster: the external DNS server ("Route53",
// 198.51.100.53, in its own namespace) kept in line by the external-dns
// controller, and the outside client whose resolver is that server.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTERNAL_DNS_IP, netnsNames, type ClusterPaths } from '../config.js';
import { ExternalDnsController } from '../controllers/external-dns.js';
import type { InformerSource } from '../controllers/informers.js';
import { processAlive, startPause } from '../agent/sandbox.js';
import type { Supervisor } from './agent-supervisor.js';

const EXTERNAL_DNS_MAIN = fileURLToPath(new URL('../dns/external-dns-main.js', import.meta.url));
export const OUTSIDE_HOSTNAME = 'outside-client';

export function outsideFiles(paths: ClusterPaths) {
  return {
    records: path.join(paths.dir, 'external-dns.json'),
    queryLog: path.join(paths.dir, 'external-dns-queries.log'),
    resolvConf: path.join(paths.dir, 'outside-resolv.conf'),
    hosts: path.join(paths.dir, 'outside-hosts'),
    /** the holder's bind mounts (fstab format) */
    mounts: path.join(paths.dir, 'outside-mounts.fstab'),
    /** the process holding the outside client's mount and UTS namespaces */
    holderPid: path.join(paths.dir, 'outside.pid'),
  };
}

export async function startOutsideWorld(cluster: string, paths: ClusterPaths, supervisor: Supervisor, informers: InformerSource): Promise<() => void> {
  const files = outsideFiles(paths);
  const controller = new ExternalDnsController(informers, files.records);
  controller.sync();
  supervisor.ensure('external-dns', netnsNames.extdns(cluster), [
    process.execPath, EXTERNAL_DNS_MAIN, '--records', files.records, '--listen', '0.0.0.0:53',
    '--ns-address', EXTERNAL_DNS_IP, '--query-log', files.queryLog,
  ]);
  let holder = existsSync(files.holderPid) ? Number(readFileSync(files.holderPid, 'utf8')) : 0;
  if (!processAlive(holder)) {
    writeFileSync(files.resolvConf, `nameserver ${EXTERNAL_DNS_IP}\n`);
    writeFileSync(files.hosts, `127.0.0.1\tlocalhost\n198.51.100.10\t${OUTSIDE_HOSTNAME}\n`);
    holder = await startPause({
      netns: netnsNames.outside(cluster), createNetns: false, hostname: OUTSIDE_HOSTNAME, resolvConf: files.resolvConf, hostsFile: files.hosts,
      mountTable: files.mounts,
    });
    writeFileSync(files.holderPid, String(holder));
  }
  return () => controller.stop();
}
