// The cloud load balancer's data-path agent. It runs inside the router
// namespace (the daemon starts it with nsenter) and keeps the router's
// `ip podnet-lb` table in line with LoadBalancer Services, Nodes and the
// health of each (Service, node) pair:
//
//   informers (services, nodes) ─┐
//                                ├─► lbFrontends/lbNodes ─► probeTargets ─► HealthChecker
//   health transitions ──────────┘            │                                  │
//                                              └──── selectBackends ◄─────────────┘
//                                                         │
//                           renderLbRuleset ─► nft -f - (only when the text changed)
//                           buildLbStatus   ─► lb-status.json (only when it changed)
//
// Syncs are serialized and coalesced: any number of triggers while a sync
// runs cause exactly one more. Every health transition is logged in one line
// (`lb: ns/name node-2 unhealthy (tcp 172.18.0.3:30080: ECONNREFUSED)`) and
// every change of a frontend's backends too, so the log tells later readers
// (podnet trace) which nodes were in service when.

import type { Node, Service } from '../api/types.js';
import type { InformerSource, SharedInformer } from '../controllers/informers.js';
import type { Runner } from '../net/runner.js';
import { HealthChecker, realClock, type Clock, type Prober, type Transition } from './health-checker.js';
import { lbFrontends, lbNodes, probeTargets, selectBackends, describeCheck, type LbBackendSet } from './lb-model.js';
import { servesService } from './lb-allocator.js';
import { renderLbRuleset } from './lb-ruleset.js';
import { buildLbStatus } from './lb-status.js';
import { writeFileAtomic } from '../atomic-file.js';
import { networkProber } from './probes.js';

export interface LbAgentOptions {
  informers: InformerSource;
  runner: Runner;
  /** where lb-status.json goes; undefined = not written */
  statusPath?: string;
  prober?: Prober;
  clock?: Clock;
  log?: (line: string) => void;
  intervalMs?: number;
  timeoutMs?: number;
}

export class LbAgent {
  private readonly services: SharedInformer<Service>;
  private readonly nodes: SharedInformer<Node>;
  private readonly checker: HealthChecker;
  private readonly log: (line: string) => void;
  private appliedRuleset: string | undefined;
  private writtenStatus: string | undefined;
  private lastBackends = new Map<string, string>();
  private syncing: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(private readonly options: LbAgentOptions) {
    // Timestamped: the log is the record of which nodes were in service when.
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
    this.services = options.informers.informer<Service>('services');
    this.nodes = options.informers.informer<Node>('nodes');
    const nodeReady = (name: string) => this.nodes.get(undefined, name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    this.checker = new HealthChecker({
      probe: options.prober ?? networkProber(nodeReady),
      onTransition: (t) => this.onTransition(t),
      clock: options.clock ?? realClock,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /**
   * Call after the informers have synced: an empty cache would render an
   * empty table. The first transaction waits for every check's first result
   * (≤ one timeout), so a restarted agent does not reject traffic for the
   * moment its nodes are still "initial"; the old table serves meanwhile.
   */
  async start(): Promise<void> {
    this.checker.setTargets(probeTargets(lbFrontends(this.services.list()), lbNodes(this.nodes.list())));
    await this.checker.settled();
    const trigger = () => { void this.sync(); };
    // Only Services this LB serves, before or after the change, can change its
    // table. lb-agent-main's watch already carries LoadBalancer Services alone;
    // this also drops those of another implementation (spec.loadBalancerClass)
    // and keeps the agent right with an informer that sees every Service.
    const ours = (svc: Service) => { if (servesService(svc)) trigger(); };
    this.services.addHandlers({ add: ours, update: (old, svc) => { if (servesService(old) || servesService(svc)) trigger(); }, delete: ours });
    this.nodes.addHandlers({ add: trigger, update: trigger, delete: trigger });
    this.started = true;
    await this.sync();
  }

  stop(): void {
    this.stopped = true;
    this.checker.stop();
  }

  /** Runs one sync now, or one more after the current one; resolves when the kernel matches. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          if (this.stopped) return;
          try {
            await this.syncOnce();
          } catch (err) {
            this.log(`lb: sync failed: ${(err as Error).message}`);
          }
        } while (this.again);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private onTransition(t: Transition): void {
    if (this.stopped) return;
    const check = describeCheck(t.target.check, t.target.node, t.target.nodeIP);
    const why = t.to === 'healthy' ? check : `${check}: ${t.detail}`;
    this.log(`lb: ${t.target.service} ${t.target.node} ${t.to} (${why})`);
    if (this.started) void this.sync();
  }

  private async syncOnce(): Promise<void> {
    const frontends = lbFrontends(this.services.list());
    const nodes = lbNodes(this.nodes.list());
    // New checks (a new Service, node or check kind) answer once before the
    // table changes, so e.g. switching externalTrafficPolicy does not reject
    // new connections while the new checks are still "initial". Bounded by
    // one probe timeout; the table in place keeps serving meanwhile.
    if (this.checker.setTargets(probeTargets(frontends, nodes)) > 0) await this.checker.settled();
    const sets = selectBackends(frontends, nodes, (id) => this.checker.isHealthy(id));
    const ruleset = renderLbRuleset(sets);
    if (ruleset !== this.appliedRuleset) {
      // We already live in the router namespace: nft runs here, no netns switch.
      await this.options.runner.run(['nft', '-f', '-'], { input: ruleset });
      this.appliedRuleset = ruleset;
      this.logBackends(sets);
    }
    if (this.options.statusPath) {
      const status = buildLbStatus(sets, nodes, (id) => this.checker.record(id), {
        intervalMs: this.checker.intervalMs, timeoutMs: this.checker.timeoutMs,
        healthyThreshold: this.checker.thresholds.healthy, unhealthyThreshold: this.checker.thresholds.unhealthy,
      });
      const text = `${JSON.stringify(status, null, 2)}\n`;
      if (text !== this.writtenStatus) {
        writeFileAtomic(this.options.statusPath, text);
        this.writtenStatus = text;
      }
    }
  }

  /** One line per frontend whose set of in-service nodes changed. */
  private logBackends(sets: readonly LbBackendSet[]): void {
    const now = new Map<string, string>();
    for (const { frontend: f, backends } of sets) {
      const text = backends.length === 0
        ? 'no healthy node: rejecting'
        : backends.map((b) => `${b.node} ${b.ip}:${b.port}`).join(', ');
      const line = `lb: ${f.service} ${f.ip}:${f.port}/${f.proto} -> ${text}`;
      now.set(f.id + f.ip, line);
      if (this.lastBackends.get(f.id + f.ip) !== line) this.log(line);
    }
    for (const [id, line] of this.lastBackends) if (!now.has(id)) this.log(`${line.split(' -> ')[0]} removed`);
    this.lastBackends = now;
  }

  /** For tests: the transaction last applied. */
  get ruleset(): string | undefined { return this.appliedRuleset; }
}
