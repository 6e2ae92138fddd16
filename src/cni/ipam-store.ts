// The IPAM's disk state, laid out like host-local's so the same tools and
// habits apply (plugins/ipam/host-local/backend/disk):
//
//   <dataDir>/<network>/10.244.0.5          "<containerID>\r\n<ifname>"
//   <dataDir>/<network>/last_reserved_ip.0  "10.244.0.5"
//   <dataDir>/<network>/podnet.lock         held while reading or changing the above
//
// Every read-modify-write happens under one cross-process lock, so concurrent
// ADDs on a node never hand out the same address.
//
// An address file is born whole: the owner is written to a temporary name
// (`.<ip>.<pid>.tmp`, which the IP pattern never matches) and link(2)ed to
// the address, which fails with EEXIST like O_EXCL and is atomic, so a
// process killed at any point leaves either no address file or one naming its
// owner, plus at most a temporary file that GC removes. (host-local opens the
// address with O_EXCL and then writes: a kill in between leaves an empty file
// that holds the address for nobody, forever.)

import fs from 'node:fs';
import path from 'node:path';
import { CNI_ERROR, CNI_PLUGIN_ERROR, CniError } from '../errors.js';
import { LockTimeoutError, withFileLock } from './file-lock.js';
import { capacity, contains, formatIp, nextFree, parseIp, rangeText, type IpRange } from './ipam-range.js';

/** host-local's separator between container id and ifname */
const LINE_BREAK = '\r\n';
/** suffix 0: the index of the range set, always one for us */
const LAST_RESERVED_FILE = 'last_reserved_ip.0';
const LOCK_FILE = 'podnet.lock';
/** generous: a node starting many pods at once queues plugin processes behind the lock on a busy CPU */
const LOCK_TIMEOUT_MS = 60_000;
const IP_FILE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** our temporary files: `.<ip>.<pid>.tmp` (address owners) and `.last_reserved_ip.0.<pid>` */
const TEMP_FILE = /^\.(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d+\.tmp|last_reserved_ip\.0\.\d+)$/;
/**
 * An address file without an owner (empty or cut short: host-local, or
 * podnet before owners were linked into place, killed between open and
 * write) is freed by GC only once it is older than this. Every writer of an
 * address file holds the store lock, and a holder is judged stale and broken
 * after 30 s (file-lock.ts), so nothing still writes to a file this old.
 */
export const OWNERLESS_GRACE_MS = 60_000;

export interface Allocation { ip: string; containerId: string; ifName: string }

export class IpamStore {
  constructor(readonly dir: string) {}

  static forNetwork(dataDir: string, network: string): IpamStore {
    return new IpamStore(path.join(dataDir, network));
  }

  /** Reserves the next free address for (containerId, ifName). */
  allocate(range: IpRange, containerId: string, ifName: string): string {
    return this.locked(() => {
      const all = this.readAll();
      const mine = all.find((a) => a.containerId === containerId && a.ifName === ifName && inRange(range, a.ip));
      if (mine) {
        // host-local: "duplicate allocation is not allowed in SPEC"
        throw new CniError(CNI_PLUGIN_ERROR.duplicateAllocation, `${mine.ip} has been allocated to ${containerId}, duplicate allocation is not allowed`,
          `a second ADD for container ${containerId} interface ${ifName} needs a DEL first`);
      }
      const used = new Set(all.map((a) => parseIp(a.ip)!));
      const ip = nextFree(range, used, this.lastReserved());
      if (ip === undefined) {
        throw new CniError(CNI_ERROR.pluginNotAvailable, `no IP addresses available in range set: ${rangeText(range)}`,
          `all ${capacity(range)} addresses are allocated in ${this.dir}`);
      }
      const text = formatIp(ip);
      this.claim(text, `${containerId}${LINE_BREAK}${ifName}`);
      this.writeAtomic(LAST_RESERVED_FILE, text);
      return text;
    });
  }

  /** Releases everything (containerId, ifName) holds; [] when it held nothing. */
  release(containerId: string, ifName: string): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return this.locked(() => this.remove(this.readAll().filter((a) => a.containerId === containerId && a.ifName === ifName)));
  }

  /**
   * Releases every allocation `keep` rejects (CNI GC); returns what was
   * released. An address file naming no owner is released once it is older
   * than OWNERLESS_GRACE_MS (never `keep`'s to judge: it has no container),
   * and the temporary files of processes killed mid-allocation are removed:
   * under the lock no allocation is in progress, so they belong to nobody.
   */
  releaseUnless(keep: (a: Allocation) => boolean, now = Date.now()): Allocation[] {
    if (!fs.existsSync(this.dir)) return [];
    return this.locked(() => {
      const stale = this.readAll().filter((a) => (isOwnerless(a) ? this.ageMs(a.ip, now) > OWNERLESS_GRACE_MS : !keep(a)));
      this.remove(stale);
      for (const name of fs.readdirSync(this.dir)) if (TEMP_FILE.test(name)) fs.rmSync(path.join(this.dir, name), { force: true });
      return stale;
    });
  }

  find(containerId: string, ifName: string): Allocation | undefined {
    return this.list().find((a) => a.containerId === containerId && a.ifName === ifName);
  }

  list(): Allocation[] {
    if (!fs.existsSync(this.dir)) return [];
    return this.locked(() => this.readAll());
  }

  private locked<T>(fn: () => T): T {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    try {
      return withFileLock(path.join(this.dir, LOCK_FILE), LOCK_TIMEOUT_MS, fn);
    } catch (e) {
      if (e instanceof LockTimeoutError) throw new CniError(CNI_ERROR.tryAgainLater, `could not lock IPAM store ${this.dir}`, e.message);
      if (e instanceof CniError) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new CniError(CNI_ERROR.ioFailure, `IPAM store ${this.dir}: ${err.message}`);
    }
  }

  private readAll(): Allocation[] {
    const out: Allocation[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      if (!IP_FILE.test(name)) continue;
      let text: string;
      try {
        text = fs.readFileSync(path.join(this.dir, name), 'utf8');
      } catch {
        continue; // removed by a lock-less reader's cleanup; nothing to hold
      }
      const [containerId = '', ifName = ''] = text.split(/\r?\n/);
      out.push({ ip: name, containerId: containerId.trim(), ifName: ifName.trim() });
    }
    return out;
  }

  /**
   * Creates the address file `ip` holding `owner`, or throws EEXIST: the
   * owner goes to a temporary file first and is hard-linked into place, so
   * the address file never exists without its content.
   */
  private claim(ip: string, owner: string): void {
    const tmp = path.join(this.dir, `.${ip}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, owner, { mode: 0o644 });
    try {
      fs.linkSync(tmp, path.join(this.dir, ip));
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  private ageMs(name: string, now: number): number {
    try {
      return now - fs.statSync(path.join(this.dir, name)).mtimeMs;
    } catch {
      return 0;
    }
  }

  private remove(list: Allocation[]): string[] {
    for (const a of list) fs.rmSync(path.join(this.dir, a.ip), { force: true });
    return list.map((a) => a.ip);
  }

  private lastReserved(): number | undefined {
    try {
      return parseIp(fs.readFileSync(path.join(this.dir, LAST_RESERVED_FILE), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  /** temporary name + rename, so a crash never leaves half a file */
  private writeAtomic(name: string, content: string): void {
    const tmp = path.join(this.dir, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, path.join(this.dir, name));
  }
}

/** no container id: the file was created and its writer killed before the first byte */
function isOwnerless(a: Allocation): boolean {
  return a.containerId === '';
}

function inRange(range: IpRange, ip: string): boolean {
  const n = parseIp(ip);
  return n !== undefined && contains(range, n);
}
