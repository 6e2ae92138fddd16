// ServiceProxy: the thin shell that makes the node's `ip podnet` table match
// the Services and EndpointSlices it is given. It computes the model (pure),
// and applies, in one `nft -f -` transaction:
//   - nothing, when the computed ruleset equals what was last applied (so a
//     restarted agent finding its own table leaves it, and conntrack, alone);
//   - the difference (chains and map elements) when it knows what the kernel holds;
//   - the whole table (`add; delete; table {...}`, atomic) otherwise.
// When nft rejects a transaction the kernel keeps the previous ruleset (nft
// transactions are all-or-nothing) and sync() throws a ProxySyncError naming
// the Service at fault, so the agent can raise a Warning Event on it.

import type { EndpointSlice, Service } from '../api/types.js';
import { ProxySyncError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import type { RulesetModel } from './model.js';
import { availableParallelism } from 'node:os';
import { renderDelta, renderFull, renderSplitFull, servicesAtFault, VERSION_SET, type Transaction } from './render.js';
import { isEndpointMap, TABLE_FAMILY, TABLE_NAME, type ProxyConfig } from './ruleset.js';
import type { HealthCheckInfo } from './service-ports.js';
import { ModelCache } from './model-cache.js';
import { deleteConntrack, staleUdpDeletions } from './conntrack.js';
import { HealthCheckServer } from './healthcheck.js';

const NFT_TIMEOUT_MS = 180_000;
/**
 * nft spends much of a 100k-element load in malloc page faults; glibc's
 * transparent-huge-page malloc (glibc >= 2.35) cuts that. Harmless elsewhere.
 */
const NFT_ENV = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
/**
 * A first load with at least this many endpoint-map elements is split over
 * concurrent nft processes (renderSplitFull): below it one process is as fast.
 */
const SPLIT_LOAD_MIN_ELEMENTS = 20_000;
/** nft processes of a split load: one per core, a few at most. */
const SPLIT_LOAD_MAX_PARTS = 4;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'proxy' || c === '*');

export interface ServiceProxyOptions {
  runner: Runner;
  /** the node's network namespace; absent = the process's own (the agent already runs inside it) */
  netns?: string;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  /**
   * Serve healthCheckNodePort for externalTrafficPolicy Local Services from this
   * process (which must run inside the node's netns): true or the address to bind.
   */
  serveHealthChecks?: boolean | string;
  /**
   * How a first load into a node without our table is split (default: the
   * number of cores, from 20,000 endpoint-map elements up); parts 1 = never.
   */
  splitLoad?: { parts: number; minElements: number };
  /** test hook: rewrite each transaction before nft sees it (fault injection) */
  transformTransaction?: (text: string) => string;
  log?: (line: string) => void;
}

export interface SyncResult {
  /** what reached the kernel: nothing, a diff, or the whole table */
  applied: 'none' | 'incremental' | 'full';
  /** lines in the transaction sent (0 when none) */
  transactionLines: number;
  conntrackDeleted: number;
  /** healthCheckNodePort listeners this node should serve (start them with HealthCheckServer) */
  healthChecks: HealthCheckInfo[];
  /** Services with rules */
  services: number;
  durationMs: number;
  /** of durationMs: time spent in nft (spawn + commit) */
  nftMs: number;
}

interface Applied {
  version: string;
}

/** The version of the ruleset a node's kernel holds (its version set's one element); undefined when there is no table. */
export async function rulesetVersionIn(runner: Runner, netns: string | undefined): Promise<string | undefined> {
  const res = await runner.run(['nft', 'list', 'set', TABLE_FAMILY, TABLE_NAME, VERSION_SET], { ...(netns ? { netns } : {}), allowFailure: true });
  if (res.code !== 0) return undefined;
  return /"([0-9a-f]+)"/.exec(res.stdout)?.[1];
}

/** The proxy's configuration for a node: its address and podCIDR, and the cluster's ranges unless given. */
export function proxyConfigOf(o: Pick<ServiceProxyOptions, 'nodeName' | 'nodeIP' | 'podCIDR' | 'clusterCIDR' | 'serviceCIDR'>): ProxyConfig {
  return {
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    podCIDR: o.podCIDR,
    clusterCIDR: o.clusterCIDR ?? POD_NETWORK,
    serviceCIDR: o.serviceCIDR ?? SERVICE_NETWORK,
  };
}

/** The version a node's proxy loads for these Services and EndpointSlices (what its kernel holds once it has synced). */
export function expectedRulesetVersion(config: ProxyConfig, services: readonly Service[], slices: readonly EndpointSlice[]): string {
  return new ModelCache(config).build(services, slices).version;
}

export class ServiceProxy {
  readonly config: ProxyConfig;
  private applied?: Applied;
  private readonly runner: Runner;
  private readonly netns: string | undefined;
  private readonly transform: ((text: string) => string) | undefined;
  private readonly log: (line: string) => void;
  readonly healthServer: HealthCheckServer | undefined;
  private readonly cache: ModelCache;
  private nftMs = 0;
  private nftBusyUntil = 0;
  private readonly splitLoad: { parts: number; minElements: number };

  constructor(opts: ServiceProxyOptions) {
    this.runner = opts.runner;
    this.netns = opts.netns;
    this.transform = opts.transformTransaction;
    this.log = opts.log ?? ((line) => { if (debug) process.stderr.write(`[proxy] ${line}\n`); });
    if (opts.serveHealthChecks) {
      this.healthServer = new HealthCheckServer(typeof opts.serveHealthChecks === 'string' ? opts.serveHealthChecks : undefined, this.log);
    }
    this.config = proxyConfigOf(opts);
    this.cache = new ModelCache(this.config);
    this.splitLoad = opts.splitLoad ?? { parts: Math.min(availableParallelism(), SPLIT_LOAD_MAX_PARTS), minElements: SPLIT_LOAD_MIN_ELEMENTS };
  }

  /** The model last applied (or adopted), for `podnet trace` and tests. */
  get model(): RulesetModel | undefined { return this.cache.model; }

  /**
   * Makes the kernel match services + slices. Throws ProxySyncError when nft
   * rejects the change; the previous ruleset then stays in place.
   */
  async sync(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<SyncResult> {
    const result = await this.syncRules(services, slices);
    await this.healthServer?.sync(result.healthChecks);
    return result;
  }

  private async syncRules(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<SyncResult> {
    const started = performance.now();
    this.nftMs = 0;
    const plan = this.cache.build(services, slices);
    const { version } = plan;
    const base = { healthChecks: plan.healthChecks, services: plan.entries.size };
    const done = (applied: SyncResult['applied'], lines = 0, conntrackDeleted = 0): SyncResult => ({
      applied, transactionLines: lines, conntrackDeleted, ...base,
      durationMs: performance.now() - started, nftMs: this.nftMs,
    });

    if (this.applied?.version === version) return done('none');
    const kernel = this.applied ? undefined : await this.kernelVersion();
    if (kernel === version) {
      // Our own table from before a restart, identical: adopt it untouched.
      this.cache.commit(plan, 'full');
      this.applied = { version };
      this.log(`adopted existing table (version ${version})`);
      return done('none');
    }

    const delta = this.applied ? this.cache.delta(plan) : null;
    let tx: Transaction | null = delta
      ? renderDelta(TABLE_FAMILY, TABLE_NAME, delta, { prev: this.applied!.version, next: version })
      : null;
    let applied: 'incremental' | 'full' = 'incremental';
    let failure = tx ? await this.apply(tx) : undefined;
    let lines = tx?.owners.length ?? 0;
    if (!tx || failure) {
      if (failure) this.log(`incremental update failed, rebuilding the table: ${failure.message}`);
      applied = 'full';
      const model = this.cache.fullModel(plan);
      // Only a big first load is split; ask the kernel whether the table exists only then.
      const split = !this.applied && !failure && this.worthSplitting(model) && !(await this.tableExists()) ? await this.applySplit(model, version) : undefined;
      if (split !== undefined) {
        lines = split;
      } else {
        tx = renderFull(model, version);
        lines = tx.owners.length;
        failure = await this.apply(tx);
      }
    }
    if (failure) {
      this.log(failure.message);
      throw failure;
    }

    const [before, after] = this.cache.changedPorts(plan);
    this.cache.commit(plan, applied === 'incremental' ? 'delta' : 'full');
    const deletions = staleUdpDeletions(before, after, this.config.nodeIP);
    this.applied = { version };
    let deleted = 0;
    try {
      deleted = await deleteConntrack(this.runner, this.netns, deletions);
    } catch (err) {
      // The rules are right; a failed cleanup only delays convergence of UDP clients.
      this.log(`conntrack cleanup failed: ${(err as Error).message}`);
    }
    this.log(`applied ${applied} transaction (${lines} lines), ${deleted} conntrack entries deleted`);
    return done(applied, lines, deleted);
  }

  /** Stops the health-check listeners; the table stays (a restart adopts it). */
  async stop(): Promise<void> {
    await this.healthServer?.close();
  }

  /** Removes the table (node teardown). Never touches any other table. */
  async delete(): Promise<void> {
    const t = `${TABLE_FAMILY} ${TABLE_NAME}`;
    await this.nft(`add table ${t}\ndelete table ${t}\n`);
    this.applied = undefined;
    this.cache.reset();
  }

  /** Enough endpoint-map elements (and cores) for a split first load to pay off. */
  private worthSplitting(model: RulesetModel): boolean {
    const { parts, minElements } = this.splitLoad;
    if (parts < 2) return false;
    let bulkElements = 0;
    for (const st of model.sets.values()) if (isEndpointMap(st.name)) bulkElements += st.elements.size;
    return bulkElements >= minElements;
  }

  /**
   * A first load into a node without our table, split over concurrent nft
   * processes (renderSplitFull: the endpoint maps in parts, then the rest).
   * Returns the lines sent, or undefined when a part failed; then the table
   * is removed again (it did not exist, and no rule referred to what the
   * parts added) and the caller sends the one atomic transaction, whose
   * errors name the Service.
   */
  private async applySplit(model: RulesetModel, version: string): Promise<number | undefined> {
    const { bulk, rest } = renderSplitFull(model, version, (st) => isEndpointMap(st.name), this.splitLoad.parts);
    const failures = await Promise.all(bulk.map((tx) => this.apply(tx)));
    const failed = failures.find((f) => f !== undefined) ?? await this.apply(rest);
    if (failed) {
      this.log(`split load failed, loading the table in one transaction: ${failed.message}`);
      await this.nft(`add table ${TABLE_FAMILY} ${TABLE_NAME}\ndelete table ${TABLE_FAMILY} ${TABLE_NAME}\n`);
      return undefined;
    }
    this.log(`loaded the table in ${bulk.length} concurrent transactions + 1`);
    return bulk.reduce((n, tx) => n + tx.owners.length, rest.owners.length);
  }

  private async tableExists(): Promise<boolean> {
    const res = await this.runner.run(['nft', 'list', 'tables', TABLE_FAMILY], {
      ...(this.netns ? { netns: this.netns } : {}), allowFailure: true,
    });
    // on failure assume it does: the one atomic transaction is always safe
    return res.code !== 0 || res.stdout.split('\n').some((l) => l.trim() === `table ${TABLE_FAMILY} ${TABLE_NAME}`);
  }

  private kernelVersion(): Promise<string | undefined> {
    return rulesetVersionIn(this.runner, this.netns);
  }

  private nft(text: string) {
    return this.runner.run(['nft', '-f', '-'], {
      input: text, allowFailure: true, timeoutMs: NFT_TIMEOUT_MS,
      env: { ...process.env, ...NFT_ENV },
      ...(this.netns ? { netns: this.netns } : {}),
    });
  }

  /** undefined on success; otherwise the error naming the Services nft blamed. */
  private async apply(tx: Transaction): Promise<ProxySyncError | undefined> {
    const text = this.transform ? this.transform(tx.text) : tx.text;
    const t = performance.now();
    const res = await this.nft(text);
    // the time at least one nft ran: concurrent parts of a split load overlap
    const end = performance.now();
    this.nftMs += Math.max(0, end - Math.max(t, this.nftBusyUntil));
    this.nftBusyUntil = Math.max(this.nftBusyUntil, end);
    if (res.code === 0) return undefined;
    return new ProxySyncError(servicesAtFault(tx, res.stderr), res.stderr || `nft exited ${res.code}`);
  }
}
