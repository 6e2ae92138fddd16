// The ingress controller (what runs in the `ingress-nginx` pod): informers on
// Ingress, IngressClass, Service, EndpointSlice and Secret, and on the Gateway
// API objects (gateway-watch.ts: HTTPRoutes of our Gateways feed the same
// route table and NGINX, and get their statuses written); every change
// triggers a coalesced sync that builds the route table, renders nginx.conf,
// and (only when the text changed) reloads NGINX, then writes
// status.loadBalancer of each served Ingress and raises Events for conflicts
// and rejected configs. Nothing is rendered before every informer has synced
// (a half-listed cluster would briefly drop routes).
//
// A conf that NGINX rejects is never loaded: the error is attributed to
// the Ingress(es) whose lines or certificate caused it; those are rendered from
// their last good version (last-good.ts), or left out if they have none, and
// the rest is rendered again, so one broken Ingress cannot freeze the others.
// An error that cannot be traced to an Ingress sets aside the Ingresses
// changed since the last accepted conf (that set was fine) and tries again; if
// even that is rejected, the error is no Ingress's and the running conf stays.

import type { EndpointSlice, Ingress, IngressClass, KubeObject, LoadBalancerIngress, Secret, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { INGRESS_CONTROLLER } from '../config.js';
import { Informer } from '../client/informer.js';
import type { ApplyResult } from './nginx-process.js';
import { attributeConfError, confFiles, renderNginxConf, type RenderOptions } from './nginx-conf.js';
import { renderBalancerEndpoints } from './lua-module.js';
import { ExternalNames } from './external-names.js';
import { recordEvent } from './controller-events.js';
import { GatewayWatch } from './gateway-watch.js';
import type { GatewayTranslation } from './gateway-routes.js';
import { buildRouteTable, buildServiceIndex, lastValidCerts, refKey, refOf, refreshBackends, type CertKeyPair, type IngressRef, type IngressWarning, type RouteTable } from './route-table.js';
import type { Backend } from './backends.js';
import { LastGoodIngresses, oneLine, REJECTED_CONFIG, sameDesiredState } from './last-good.js';
import { DEFAULT_CLASS_CONFIG, type ClassConfig } from './ingress-class.js';
import { publishedAddress } from './publish-address.js';
import { IDLE_SYNC, SyncScheduler, type SchedulerClock } from '../client/sync-scheduler.js';

export const DEFAULT_PUBLISH_SERVICE = INGRESS_CONTROLLER;
export const DEFAULT_DEBOUNCE_MS = 100;
/** at most one NGINX reload per second, however fast endpoints churn */
export const DEFAULT_MIN_RELOAD_INTERVAL_MS = 1000;
/**
 * Endpoint changes are only sent to the balancer (no reload): they are
 * coalesced for this long and not held back by the reload interval, so a pod
 * turning ready is routed to within ~this long even right after a reload.
 */
export const DEFAULT_ENDPOINTS_DEBOUNCE_MS = 50;
export const DEFAULT_ENDPOINTS_MIN_INTERVAL_MS = 250;
export const EVENT_SOURCE = 'nginx-ingress-controller';

/** What the controller needs from the NGINX shell; NginxProcess implements it. */
export interface ConfApplier {
  apply(text: string, files: ReadonlyMap<string, string>, endpoints: string): Promise<ApplyResult>;
  /** send the balancer's endpoints to the running NGINX, no reload; false when they were already there */
  updateEndpoints(endpoints: string): Promise<boolean>;
}

export interface ControllerOptions {
  client: Client;
  nginx: ConfApplier;
  render: RenderOptions;
  classConfig?: ClassConfig;
  /** the Service whose address goes into status.loadBalancer (ingress-nginx --publish-service) */
  publishService?: { namespace: string; name: string };
  debounceMs?: number;
  minReloadIntervalMs?: number;
  endpointsDebounceMs?: number;
  clock?: SchedulerClock;
  log?: (msg: string) => void;
  now?: () => Date;
}

export interface SyncReport {
  table: RouteTable;
  result: ApplyResult;
  rejected: { ingress: IngressRef; error: string }[];
  /** false when NGINX rejected every conf of this sync: the running one (the last accepted) keeps serving */
  loaded: boolean;
}

export class IngressController {
  readonly ingresses: Informer<Ingress>;
  readonly classes: Informer<IngressClass>;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly secrets: Informer<Secret>;
  private readonly scheduler: SyncScheduler;
  private readonly endpointsScheduler: SyncScheduler;
  /** the backends of the conf NGINX runs: the endpoints sent between reloads are for exactly these */
  private acceptedBackends: Backend[] | undefined;
  /** what each TLS Secret last served with: a broken update keeps it (route-table.ts lastValidCerts) */
  private lastValidCerts = new Map<string, CertKeyPair>();
  private readonly externalNames: ExternalNames;
  /** Gateways of our class and their HTTPRoutes: served from the same table (gateway-watch.ts) */
  readonly gateway: GatewayWatch;
  private readonly log: (msg: string) => void;
  /** the Ingress versions of the last accepted conf, and which Ingresses fall back to them */
  private readonly lastGood = new LastGoodIngresses();
  /** Events already raised (ingress|reason|message), so a steady state is quiet */
  private emitted = new Set<string>();
  private announced = new Map<string, number>();
  private servedBefore = new Set<string>();
  private started = false;
  private chain: Promise<unknown> = Promise.resolve();
  last: SyncReport | undefined;

  constructor(private readonly o: ControllerOptions) {
    this.log = o.log ?? ((m) => console.error(m));
    const c = o.client;
    this.ingresses = new Informer<Ingress>(c, 'ingresses', { log: this.log });
    this.classes = new Informer<IngressClass>(c, 'ingressclasses', { log: this.log });
    this.services = new Informer<Service>(c, 'services', { log: this.log });
    this.slices = new Informer<EndpointSlice>(c, 'endpointslices', { log: this.log });
    this.secrets = new Informer<Secret>(c, 'secrets', { log: this.log });
    // A sync whose conf came out unchanged reloaded nothing (at most it sent
    // endpoints): it does not start a new reload interval (IDLE_SYNC), so the
    // next change is not held back.
    this.scheduler = new SyncScheduler(async () => (['unchanged', 'endpoints'].includes((await this.sync()).result.action) ? IDLE_SYNC : undefined), {
      debounceMs: o.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      minIntervalMs: o.minReloadIntervalMs ?? DEFAULT_MIN_RELOAD_INTERVAL_MS,
      ...(o.clock ? { clock: o.clock } : {}),
      log: this.log,
      name: 'ingress sync',
    });
    // Each run resolves the running conf's backends again and has every NGINX
    // worker parse the endpoints anew: at most one per
    // DEFAULT_ENDPOINTS_MIN_INTERVAL_MS under churn. Not stretched by
    // the run's duration (busyFactor 0): most of that can be the wait behind
    // a reload in this.chain, which is no reason to hold the next one back.
    this.endpointsScheduler = new SyncScheduler(async () => { await this.syncEndpoints(); }, {
      debounceMs: o.endpointsDebounceMs ?? DEFAULT_ENDPOINTS_DEBOUNCE_MS,
      minIntervalMs: DEFAULT_ENDPOINTS_MIN_INTERVAL_MS,
      busyFactor: 0,
      ...(o.clock ? { clock: o.clock } : {}),
      log: this.log,
      name: 'ingress endpoints sync',
    });
    const changed = () => { if (this.started) this.scheduler.trigger(); };
    this.gateway = new GatewayWatch({ client: c, log: this.log, onChange: changed, httpPort: o.render.httpPort, httpsPort: o.render.httpsPort, now: () => o.now?.() ?? new Date() });
    const watch = (inf: Informer<KubeObject>, fn: () => void) => inf.onAdd(fn).onUpdate(fn).onDelete(fn);
    // An ExternalName's addresses are endpoints: a new answer only goes to the balancer.
    this.externalNames = new ExternalNames(() => { if (this.started) this.endpointsScheduler.trigger(); }, this.log);
    for (const inf of [this.classes, this.services]) watch(inf as unknown as Informer<KubeObject>, changed);
    watch(this.services as unknown as Informer<KubeObject>, () => { if (this.started) void this.externalNames.track(this.services.list()); });
    // The conf does not depend on endpoints (lua-module.ts): slices only go to the balancer.
    watch(this.slices as unknown as Informer<KubeObject>, () => { if (this.started) this.endpointsScheduler.trigger(); });
    // A Secret change may fix a rejected certificate: retry every rejected Ingress.
    watch(this.secrets as unknown as Informer<KubeObject>, () => { this.lastGood.forgetAll(); changed(); });
    // An Ingress whose spec or annotations changed gets another chance; our own
    // status writes change neither and cause no sync.
    const ingressChanged = (ing: Ingress) => { this.lastGood.forget(ingressKey(ing)); changed(); };
    this.ingresses.onAdd(ingressChanged).onDelete(ingressChanged).onUpdate((old, ing) => {
      if (!sameDesiredState(old, ing)) ingressChanged(ing);
    });
  }

  /**
   * Start the informers, wait until all have listed, then sync once (errors of
   * that first sync are thrown). `prepared` is local work the first sync needs
   * (NGINX's directories, the default certificate): it runs while the
   * informers list, instead of before them.
   */
  async start(prepared: Promise<unknown> = Promise.resolve()): Promise<SyncReport> {
    const all = [this.ingresses, this.classes, this.services, this.slices, this.secrets];
    for (const inf of all) inf.start();
    await Promise.all([prepared, this.gateway.start(), ...all.map((i) => i.synced)]);
    await this.externalNames.track(this.services.list());
    this.started = true;
    return this.sync();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.scheduler.stop();
    await this.endpointsScheduler.stop();
    this.externalNames.stop();
    for (const inf of [this.ingresses, this.classes, this.services, this.slices, this.secrets]) inf.stop();
    this.gateway.stop();
  }

  /** One full reconcile from the informer caches; calls are serialized (one nginx apply at a time). */
  sync(): Promise<SyncReport> {
    const run = this.chain.then(() => this.syncOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The balancer's endpoints for the running conf's backends, from the caches now; serialized with sync(). */
  syncEndpoints(): Promise<boolean> {
    const run = this.chain.then(async () => {
      if (!this.acceptedBackends) return false; // nothing runs yet: the first sync sends them
      const backends = refreshBackends(this.acceptedBackends, this.services.list(), this.slices.list(), (name) => this.externalNames.get(name));
      return this.o.nginx.updateEndpoints(renderBalancerEndpoints({ backends }));
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async syncOnce(): Promise<SyncReport> {
    const rejectedNow: { ingress: IngressRef; error: string }[] = [];
    const current = this.ingresses.list();
    let table: RouteTable;
    let result: ApplyResult;
    let notLoaded: string | undefined;
    // Each rejected round moves at least one Ingress one step back (current →
    // last good → left out) or ends the loop, so it ends within two rounds
    // per Ingress: however many are broken, they are all set aside in one sync.
    // An untraceable error sets aside every Ingress changed since the last
    // accepted conf, at most once per sync (one more round).
    const maxRounds = 2 * current.length + this.gateway.routes.list().length + 2;
    let setAside: IngressRef[] | undefined;
    /** the table of the round that set them aside: what stands when they get their change back */
    let tableBeforeSetAside: RouteTable | undefined;
    let gateway: GatewayTranslation;
    for (let round = 0; ; round++) {
      const { ingresses, exclude } = this.lastGood.inputs(current);
      // one index of Services and their endpoints for the Gateway translation and the table
      const serviceIndex = buildServiceIndex(this.services.list(), this.slices.list(), (name) => this.externalNames.get(name));
      gateway = this.gateway.translate(serviceIndex, this.secrets.list(), this.publishedAddress()[0]?.ip, this.lastValidCerts);
      table = buildRouteTable({
        ingresses,
        ingressClasses: this.classes.list(),
        serviceIndex,
        secrets: this.secrets.list(),
        classConfig: this.o.classConfig ?? DEFAULT_CLASS_CONFIG,
        exclude,
        lastValidCerts: this.lastValidCerts,
        gateway,
      });
      const rendered = renderNginxConf(table, this.o.render);
      result = await this.o.nginx.apply(rendered.text, confFiles(table, this.o.render), renderBalancerEndpoints(table));
      if (result.action !== 'rejected') {
        this.lastGood.acceptedVersions(table.served, ingresses);
        this.acceptedBackends = table.backends;
        this.lastValidCerts = lastValidCerts(table);
        break;
      }
      const blamed = attributeConfError(result.error, rendered.sections);
      // HTTPRoutes NGINX refused are left out until they change; the Ingresses fall back as below.
      if (round + 1 < maxRounds && await this.gateway.refuse(blamed, result.error)) continue;
      const culprits = blamed.filter((ref) => ref.kind === undefined);
      const lastRound = round + 1 >= maxRounds;
      if (!lastRound && culprits.length > 0 && this.lastGood.blame(culprits, result.error, current)) {
        for (const c of culprits) rejectedNow.push({ ingress: c, error: result.error });
        continue;
      }
      // (only against a configuration NGINX accepted since this controller
      // started: before that, every Ingress counts as changed)
      if (!lastRound && culprits.length === 0 && setAside === undefined && this.lastGood.hasAcceptedOnce) {
        // Not traceable: the last accepted set was fine, so the cause is
        // among what changed since. Those fall back (or are left out, if
        // new), and the rest is tried again.
        const servedKeys = new Set(table.served.map(refKey));
        setAside = this.lastGood.setAsideChanged(current.filter((ing) => servedKeys.has(ingressKey(ing))), result.error);
        tableBeforeSetAside = table;
        for (const ingress of setAside) rejectedNow.push({ ingress, error: result.error });
        if (setAside.length > 0) continue;
      }
      // Still rejected: the error is not the changed Ingresses' (a limit of
      // the whole conf, a Service or Secret), so they get their change back.
      if (setAside && setAside.length > 0 && tableBeforeSetAside) {
        table = tableBeforeSetAside;
        const undone = new Set(setAside.map(refKey));
        for (const key of undone) this.lastGood.forget(key);
        rejectedNow.splice(0, rejectedNow.length, ...rejectedNow.filter((r) => !undone.has(refKey(r.ingress))));
      }
      notLoaded = result.error;
      break;
    }
    const warnings: IngressWarning[] = [...table.warnings, ...this.lastGood.warnings()];
    if (notLoaded !== undefined) {
      // Nothing was loaded: the last accepted conf keeps serving, and so does
      // the status it gave. Whoever changed something since then learns why
      // the change is not live.
      this.log(`nginx rejected the rendered configuration and it could not be traced to the Ingresses that caused it; keeping the running one: ${notLoaded}`);
      const servedKeys = new Set(table.served.map(refKey));
      const changed = this.lastGood.changedSinceAccepted(current.filter((ing) => servedKeys.has(ingressKey(ing))));
      for (const ingress of changed) {
        warnings.push({ ingress, reason: REJECTED_CONFIG, message: `nginx rejected the configuration and the error could not be traced to the Ingresses that caused it; the configuration NGINX last accepted keeps serving, without this Ingress's changes since: ${oneLine(notLoaded)}` });
      }
    }
    await this.raiseEvents(warnings);
    if (notLoaded === undefined) {
      await this.announce(table);
      await this.writeStatus(table);
      await this.gateway.writeStatuses(gateway!);
    }
    this.last = { table, result, rejected: rejectedNow, loaded: notLoaded === undefined };
    return this.last;
  }

  /** The address Ingresses report: the publish Service's (publish-address.ts). */
  publishedAddress(): LoadBalancerIngress[] {
    const p = this.o.publishService ?? DEFAULT_PUBLISH_SERVICE;
    return publishedAddress(this.services.get(p.namespace, p.name));
  }

  private async writeStatus(table: RouteTable): Promise<void> {
    const address = this.publishedAddress();
    const served = new Set(table.served.map(refKey));
    for (const ing of this.ingresses.list()) {
      const key = ingressKey(ing);
      let want: LoadBalancerIngress[] | undefined;
      if (served.has(key)) want = address;
      else if (this.servedBefore.has(key)) want = []; // no longer ours (class changed): withdraw our address
      if (want === undefined) continue;
      const have = ing.status?.loadBalancer?.ingress ?? [];
      if (JSON.stringify(have) === JSON.stringify(want)) continue;
      try {
        await this.o.client.patch('ingresses', ing.metadata.namespace, ing.metadata.name!, { status: { loadBalancer: { ingress: want } } }, { subresource: 'status' });
      } catch (e) {
        this.log(`could not update status of ingress ${key}: ${(e as Error).message}`);
      }
    }
    this.servedBefore = served;
  }

  /**
   * A Normal "Sync" Event per spec generation of each served Ingress, as
   * ingress-nginx does; not for a generation NGINX rejected: that Ingress is
   * served from its last good version, and its RejectedConfig Warning says so.
   * Its generation stays unannounced, so it is announced once it loads.
   */
  private async announce(table: RouteTable): Promise<void> {
    const now = new Set<string>();
    for (const ref of table.served) {
      const key = refKey(ref);
      now.add(key);
      if (this.lastGood.rendersLastGood(key)) continue;
      const ing = this.ingresses.get(ref.namespace, ref.name);
      const gen = ing?.metadata.generation ?? 1;
      if (this.announced.get(key) === gen) continue;
      this.announced.set(key, gen);
      await this.event(ref, ing, 'Normal', 'Sync', 'Scheduled for sync');
    }
    for (const key of [...this.announced.keys()]) if (!now.has(key)) this.announced.delete(key);
  }

  private async raiseEvents(warnings: IngressWarning[]): Promise<void> {
    const current = new Set<string>();
    for (const w of warnings) {
      const key = `${refKey(w.ingress)}|${w.reason}|${w.message}`;
      current.add(key);
      if (this.emitted.has(key)) continue;
      this.emitted.add(key);
      this.log(`warning: ingress ${refKey(w.ingress)}: ${w.reason}: ${w.message}`);
      await this.event(w.ingress, this.ingresses.get(w.ingress.namespace, w.ingress.name), 'Warning', w.reason, w.message);
    }
    // A problem that went away and comes back is reported again.
    for (const key of [...this.emitted]) if (!current.has(key)) this.emitted.delete(key);
  }

  private async event(ref: IngressRef, ing: Ingress | undefined, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await recordEvent({ client: this.o.client, source: EVENT_SOURCE, now: () => this.o.now?.() ?? new Date(), log: this.log }, {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: ref.namespace, name: ref.name,
      ...(ing?.metadata.uid ? { uid: ing.metadata.uid } : {}), ...(ing?.metadata.resourceVersion ? { resourceVersion: ing.metadata.resourceVersion } : {}),
    }, type, reason, message);
  }
}

function ingressKey(ing: Ingress): string {
  return refKey(refOf(ing));
}
