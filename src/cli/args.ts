// Command-line flags shared by every command, parsed the kubectl way:
// `-n NS`, `--namespace=NS`, `-A`, `-l SEL`, `-o FMT`, `-f FILE` (repeatable).

import { parseArgs } from 'node:util';
import { PodnetError } from '../errors.js';

export interface CommonFlags {
  cluster?: string;
  namespace?: string;
  allNamespaces: boolean;
  selector?: string;
  output?: string;
  filenames: string[];
  nodes?: number;
  for?: string;
  timeout?: string;
  all: boolean;
  container?: string;
  follow: boolean;
  /** `logs -p/--previous`: the last terminated instance */
  previous: boolean;
  /** `logs --tail=N` (kept as text; the command validates it as kubectl does) */
  tail?: string;
  gracePeriod?: number;
  /** `delete --cascade=background|orphan|foreground` (a bare `--cascade` is background, as kubectl's NoOptDefVal) */
  cascade?: string;
  /** `delete --wait[=BOOL]` (default true: return once the objects are gone, as kubectl) */
  wait?: string;
  /** `up --bare`: no cluster DNS, ingress controller or load balancer */
  bare: boolean;
  /** `apply --dry-run[=none|client|server]` (bare: client, as kubectl's deprecated form) */
  dryRun?: string;
  /** `apply --validate[=strict|warn|ignore|true|false]` (bare: strict, as kubectl's NoOptDefVal) */
  validate?: string;
  /** `scale --replicas=N` */
  replicas?: string;
  /** `get --show-labels` */
  showLabels: boolean;
  /** `get --no-headers`: tables and custom columns without their header row */
  noHeaders: boolean;
  /** `get -L KEY[,KEY]` (repeatable): label columns */
  labelColumns: string[];
  /** `trace --from outside|POD`: where the request starts */
  from?: string;
  /** `trace -H 'Name: value'` (repeatable): headers the traced request carries, as curl's -H */
  headers: string[];
  /** `trace -X METHOD`: the traced request's method, as curl's -X */
  method?: string;
  /** `observe --pod [NS/]NAME`: flows of the pods whose name is or starts with NAME */
  pod?: string;
  /** `observe --from-pod`, `--to-pod [NS/]NAME`: the source, the destination */
  fromPod?: string;
  toPod?: string;
  /** `observe --node NAME`: flows that node recorded */
  node?: string;
  /** `observe --verdict FORWARDED|DROPPED` */
  verdict?: string;
  /** `observe --protocol tcp|udp|icmp|sctp|dns|http` */
  protocol?: string;
  /** `observe --count N`: stop after N flows */
  count?: string;
  /** `observe --last N`: the last N recorded flows */
  last?: string;
  /** `observe --since DURATION|TIME`: the recorded flows since then */
  since?: string;
  /** observe's other Hubble filters (`--to-service`, `--port`, `--ip`, `--from-label`, `--http-status`, …), by flag name */
  flowFilters: Partial<Record<FlowFilterFlag, string>>;
  /** `exec -i/--stdin`: pass stdin to the command (parsed only with the stream options) */
  stdin: boolean;
  /** `exec -t/--tty`: stdin is a terminal (parsed only with the stream options) */
  tty: boolean;
  positionals: string[];
  /** everything after `--` */
  rest: string[];
}

const OPTIONS = {
  cluster: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  selector: { type: 'string', short: 'l' },
  output: { type: 'string', short: 'o' },
  filename: { type: 'string', short: 'f', multiple: true },
  nodes: { type: 'string' },
  for: { type: 'string' },
  timeout: { type: 'string' },
  all: { type: 'boolean' },
  container: { type: 'string', short: 'c' },
  follow: { type: 'boolean' },
  previous: { type: 'boolean', short: 'p' },
  tail: { type: 'string' },
  'grace-period': { type: 'string' },
  cascade: { type: 'string' },
  wait: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  bare: { type: 'boolean' },
  'show-labels': { type: 'boolean' },
  'no-headers': { type: 'boolean' },
  'dry-run': { type: 'string' },
  validate: { type: 'string' },
  replicas: { type: 'string' },
  'label-columns': { type: 'string', short: 'L', multiple: true },
  from: { type: 'string' },
} as const;

/**
 * kubectl exec's -i and -t: only the commands that run something take them
 * (main.ts), so `podnet get -i` stays an unknown option as in kubectl.
 */
const STREAM_OPTIONS = {
  ...OPTIONS,
  stdin: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
} as const;

/** curl's -H and -X, for the request `trace` sends: only trace takes them. */
const REQUEST_OPTIONS = {
  ...OPTIONS,
  header: { type: 'string', short: 'H', multiple: true },
  request: { type: 'string', short: 'X' },
} as const;

/** Hubble's filters beyond the pod, node, verdict and protocol ones (`--label` is also `-l`, the selector flag) */
const FLOW_FILTER_FLAGS = ['service', 'to-service', 'port', 'from-port', 'to-port', 'ip', 'from-ip', 'to-ip', 'label', 'from-label', 'to-label', 'http-status', 'http-method', 'http-path', 'drop-reason-desc'] as const;
export type FlowFilterFlag = typeof FLOW_FILTER_FLAGS[number];

/** Hubble's filters, for the flows `observe` shows: only observe takes them. */
const OBSERVE_OPTIONS = {
  ...OPTIONS,
  pod: { type: 'string' },
  'from-pod': { type: 'string' },
  'to-pod': { type: 'string' },
  node: { type: 'string' },
  verdict: { type: 'string' },
  protocol: { type: 'string' },
  count: { type: 'string' },
  last: { type: 'string' },
  since: { type: 'string' },
  ...Object.fromEntries(FLOW_FILTER_FLAGS.map((f) => [f, { type: 'string' }])) as Record<FlowFilterFlag, { type: 'string' }>,
} as const;

/** observe's own flags: each is taken once (Hubble ORs a repeated filter; podnet says so instead of keeping the last) */
const OBSERVE_ONCE = Object.keys(OBSERVE_OPTIONS).filter((k) => !(k in OPTIONS));

function onceEach(args: readonly string[], names: readonly string[]): void {
  for (const name of names) {
    const given = args.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`)).length;
    if (given > 1) throw new PodnetError('EUSAGE', `--${name} given ${given} times: podnet observe takes each filter once (Hubble ORs repeats; a label selector can say 'app in (a,b)')`);
  }
}

/** Which extra options a command takes: exec's streams, trace's request shape, observe's filters. */
export type FlagSet = 'common' | 'streams' | 'request' | 'observe';

export function parseFlags(argv: string[], set: FlagSet = 'common'): CommonFlags & { help: boolean } {
  const dash = argv.indexOf('--');
  // kubectl's NoOptDefVal: a bare --cascade is background, a bare --wait true
  let own = (dash >= 0 ? argv.slice(0, dash) : argv).map((a) => (a === '--cascade' ? '--cascade=background' : a === '--wait' ? '--wait=true' : a === '--dry-run' ? '--dry-run=client' : a === '--validate' ? '--validate=strict' : a));
  // kubectl's boolean flags take an explicit value too: --stdin=true, -i=false, --no-headers=false
  const explicitBoolean = set === 'streams' ? /^(--stdin|--tty|-i|-t|--no-headers)=(true|false)$/ : /^(--no-headers)=(true|false)$/;
  own = own.flatMap((a) => { const m = explicitBoolean.exec(a); return m ? (m[2] === 'true' ? [m[1]!] : []) : [a]; });
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  if (set === 'observe') onceEach(own, OBSERVE_ONCE);
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: set === 'streams' ? STREAM_OPTIONS : set === 'request' ? REQUEST_OPTIONS : set === 'observe' ? OBSERVE_OPTIONS : OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PodnetError('EUSAGE', (err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const v = parsed.values;
  const nodes = v.nodes !== undefined ? Number(v.nodes) : undefined;
  if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 1 || nodes > 200)) throw new PodnetError('EUSAGE', `invalid --nodes "${v.nodes}": must be an integer between 1 and 200`);
  const grace = v['grace-period'] !== undefined ? Number(v['grace-period']) : undefined;
  return {
    ...(v.cluster !== undefined ? { cluster: v.cluster } : {}),
    ...(v.namespace !== undefined ? { namespace: v.namespace } : {}),
    allNamespaces: !!v['all-namespaces'],
    ...(v.selector !== undefined ? { selector: v.selector } : {}),
    ...(v.output !== undefined ? { output: v.output } : {}),
    filenames: v.filename ?? [],
    ...(nodes !== undefined ? { nodes } : {}),
    ...(v.for !== undefined ? { for: v.for } : {}),
    ...(v.timeout !== undefined ? { timeout: v.timeout } : {}),
    all: !!v.all,
    ...(v.container !== undefined ? { container: v.container } : {}),
    follow: !!v.follow,
    previous: !!v.previous,
    ...(v.tail !== undefined ? { tail: v.tail } : {}),
    ...(grace !== undefined ? { gracePeriod: grace } : {}),
    ...(v.cascade !== undefined ? { cascade: v.cascade } : {}),
    ...(v.wait !== undefined ? { wait: v.wait } : {}),
    help: !!v.help,
    bare: !!v.bare,
    ...(v['dry-run'] !== undefined ? { dryRun: v['dry-run'] } : {}),
    ...(v.validate !== undefined ? { validate: v.validate } : {}),
    ...(v.replicas !== undefined ? { replicas: v.replicas } : {}),
    ...(v.from !== undefined ? { from: v.from } : {}),
    headers: 'header' in v && Array.isArray(v.header) ? v.header : [],
    ...('request' in v && typeof v.request === 'string' ? { method: v.request } : {}),
    ...('pod' in v && typeof v.pod === 'string' ? { pod: v.pod } : {}),
    ...('from-pod' in v && typeof v['from-pod'] === 'string' ? { fromPod: v['from-pod'] } : {}),
    ...('to-pod' in v && typeof v['to-pod'] === 'string' ? { toPod: v['to-pod'] } : {}),
    ...('node' in v && typeof v.node === 'string' ? { node: v.node } : {}),
    ...('verdict' in v && typeof v.verdict === 'string' ? { verdict: v.verdict } : {}),
    ...('protocol' in v && typeof v.protocol === 'string' ? { protocol: v.protocol } : {}),
    ...('count' in v && typeof v.count === 'string' ? { count: v.count } : {}),
    ...('last' in v && typeof v.last === 'string' ? { last: v.last } : {}),
    ...('since' in v && typeof v.since === 'string' ? { since: v.since } : {}),
    flowFilters: Object.fromEntries(FLOW_FILTER_FLAGS.flatMap((f) => { const value = (v as Record<string, unknown>)[f]; return typeof value === 'string' ? [[f, value]] : []; })),
    showLabels: !!v['show-labels'],
    noHeaders: !!v['no-headers'],
    labelColumns: (v['label-columns'] ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean),
    stdin: 'stdin' in v && v.stdin === true,
    tty: 'tty' in v && v.tty === true,
    positionals: parsed.positionals,
    rest,
  };
}

/** kubectl durations: `30s`, `2m`, `1h`, `500ms`; a bare number is seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new PodnetError('EUSAGE', `invalid duration "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
