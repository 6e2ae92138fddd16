#!/usr/bin/env node
// podnet's command line. Only this entry point exits the process; every
// failure becomes one line on stderr and a non-zero exit code.

import '../tiering.js';
import { ApiError, PodnetError } from '../errors.js';
import { parseFlags, type CommonFlags } from './args.js';
import { context, type Context } from './context.js';
import { DEFAULT_NODES } from '../config.js';

const USAGE = `podnet — Kubernetes networking, for real, on one Linux machine

Usage:
  podnet up [--nodes N] [--bare] [--cluster NAME]
                                             build the network, start the daemon, nodes, DNS and ingress (--bare: without them)
  podnet down [--cluster NAME]               remove everything of that cluster
  podnet demo                                up + the built-in example + a request through every layer
  podnet apply -f FILE|DIR|- [--dry-run=client|server] [--validate=strict|warn|ignore]
                                             create or update objects
  podnet delete -f FILE | KIND NAME [-n NS] [--cascade=background|orphan|foreground]
                                             delete objects (and, by default, what they own)
  podnet get KIND [NAME] [-n NS|-A] [-l SEL] [-o FORMAT] [-L KEY] [--show-labels] [--no-headers]
                                             FORMAT: wide, json, yaml, name, jsonpath=TEMPLATE, jsonpath-file=FILE,
                                             jsonpath-as-json=TEMPLATE, custom-columns=HEADER:PATH,…, custom-columns-file=FILE
  podnet describe KIND [NAME…|-l SEL] [-n NS|-A]
  podnet wait --for=condition=Ready|delete|jsonpath='{PATH}'[=VALUE] KIND [NAME|-l SEL|--all] [-n NS] [--timeout=60s]
  podnet scale --replicas=N deployment/NAME|replicaset/NAME|statefulset/NAME [-n NS]
  podnet logs [-n NS] POD|deploy/NAME|rs/NAME|sts/NAME|svc/NAME [-c CONTAINER] [-p] [--tail=N] [-f|--follow]
  podnet exec [-n NS] POD [-c CONTAINER] [-i] [-t] -- CMD…
                                             run CMD inside a pod's container (stdin only with -i)
  podnet exec node/NAME -- CMD…              run CMD inside a node's network namespace (stdin always)
  podnet outside -- CMD…                     run CMD on the outside client (stdin always)
  podnet trace URL|tcp://HOST:PORT [--from outside|POD|TYPE/NAME] [-n NS]
                                             send one request and show each layer it crossed, or where and why it failed
  podnet test -f FILE                        connectivity tests: who can reach whom (each a trace; exit 1 when one fails)
  podnet observe [-n NS] [--pod|--from-pod|--to-pod [NS/]NAME] [--to-service [NS/]NAME] [-l|--from-label|--to-label SELECTOR]
                 [--port|--from-port|--to-port N] [--ip|--from-ip|--to-ip ADDR[/BITS]] [--node NAME] [--verdict FORWARDED|DROPPED]
                 [--protocol tcp|udp|icmp|sctp|dns|http] [--http-status 503|5+] [--http-method M] [--http-path REGEX] [--drop-reason-desc R] [--all]
                 [--last N|--since D [-f]] [--count N] [--timeout D] [-o json]
                                             the cluster's flows, live or recorded: connections with the Service and pod each reached, DNS, drops and rejects, ingress requests
  podnet doctor                              check every layer of the cluster and say what is wrong and what to change
  podnet port-forward [-n NS] TYPE/NAME|POD [ADDR:][LOCAL]:REMOTE|PORT…
                                             reach a pod (pod, deploy, sts, svc) from the host's 127.0.0.1
  podnet kubectl [--cluster NAME] ARGS…      run your kubectl against the cluster (ARGS go to kubectl as they are)

--cluster NAME (or PODNET_CLUSTER) selects the cluster; the default is "podnet".
`;

type Command = (ctx: Context, flags: CommonFlags) => Promise<number>;

// Each command's module (and what it pulls in: yaml, the daemon, printers) is
// loaded only when that command runs: every `podnet` call pays for its own
// imports, not for all of them.
const COMMANDS: Record<string, Command> = {
  up: async (ctx, flags) => (await import('./commands/up-down.js')).upCommand(ctx, flags),
  down: async (ctx) => (await import('./commands/up-down.js')).downCommand(ctx),
  apply: async (ctx, flags) => (await import('./commands/apply.js')).applyCommand(ctx, flags),
  delete: async (ctx, flags) => (await import('./commands/delete.js')).deleteCommand(ctx, flags),
  get: async (ctx, flags) => (await import('./commands/get.js')).getCommand(ctx, flags),
  describe: async (ctx, flags) => (await import('./commands/describe.js')).describeCommand(ctx, flags),
  wait: async (ctx, flags) => (await import('./commands/wait.js')).waitCommand(ctx, flags),
  scale: async (ctx, flags) => (await import('./commands/scale.js')).scaleCommand(ctx, flags),
  logs: async (ctx, flags) => (await import('./commands/logs.js')).logsCommand(ctx, flags),
  exec: async (ctx, flags) => (await import('./commands/exec.js')).execCommand(ctx, flags),
  outside: async (ctx, flags) => (await import('./commands/exec.js')).outsideCommand(ctx, flags),
  'port-forward': async (ctx, flags) => (await import('./commands/port-forward.js')).portForwardCommand(ctx, flags),
  daemon: async (ctx, flags) => (await import('../daemon/main.js')).runDaemon(ctx.cluster, flags.nodes ?? DEFAULT_NODES, !flags.bare),
  demo: async (ctx, flags) => (await import('./commands/demo.js')).demoCommand(ctx, flags),
  trace: async (ctx, flags) => (await import('./commands/trace.js')).traceCommand(ctx, flags),
  test: async (ctx, flags) => (await import('./commands/connectivity-test.js')).connectivityTestCommand(ctx, flags),
  doctor: async (ctx, flags) => (await import('./commands/doctor.js')).doctorCommand(ctx, flags),
  observe: async (ctx, flags) => (await import('./commands/observe.js')).observeCommand(ctx, flags),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  if (name === 'kubectl') {
    // kubectl's own flags are not ours to parse: only a leading --cluster is podnet's
    const own = rest[0] === '--cluster' ? rest.slice(0, 2) : rest[0]?.startsWith('--cluster=') ? rest.slice(0, 1) : [];
    const cluster = own.length === 2 ? own[1] : own[0]?.slice('--cluster='.length);
    return (await import('./commands/kubectl.js')).kubectlCommand(context(cluster), rest.slice(own.length));
  }
  const command = COMMANDS[name];
  if (!command) throw new PodnetError('EUSAGE', `unknown command "${name}" for "podnet"; run "podnet help"`);
  // kubectl's logs and Hubble's observe take -f as --follow, where every other command's -f is a file
  const args = name === 'logs' || name === 'observe' ? rest.map((a) => (a === '-f' ? '--follow' : a)) : name === 'outside' ? outsideArgs(rest) : rest;
  const flags = parseFlags(args, name === 'exec' ? 'streams' : name === 'trace' ? 'request' : name === 'observe' ? 'observe' : 'common');
  if (flags.help) { process.stdout.write(USAGE); return 0; }
  return command(context(flags.cluster), flags);
}

/**
 * `podnet outside CMD…` without `--`: the command starts at the first word
 * that is not one of podnet's options, and its own options stay its own
 * (`podnet outside curl -i URL`).
 */
function outsideArgs(rest: string[]): string[] {
  if (rest.includes('--')) return rest;
  let i = 0;
  while (i < rest.length && rest[i]!.startsWith('-')) i += rest[i] === '--cluster' ? 2 : 1;
  return [...rest.slice(0, i), '--', ...rest.slice(i)];
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const message = err instanceof ApiError ? `Error from server (${err.reason}): ${err.message}`
      : err instanceof PodnetError ? (err.message.startsWith('error') ? err.message : `error: ${err.message}`)
      : `error: ${(err as Error)?.message ?? String(err)}`;
    process.stderr.write(`${message.split('\n')[0]}\n${message.includes('\n') ? message.split('\n').slice(1).join('\n') + '\n' : ''}`);
    if (process.env.PODNET_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
