#!/usr/bin/env node
// podnet's command line. Only this entry point exits the process; every
// failure becomes one line on stderr and a non-zero exit code.

import { ApiError, PodnetError } from '../errors.js';
import { parseFlags, type CommonFlags } from './args.js';
import { context, type Context } from './context.js';
import { applyCommand } from './commands/apply.js';
import { deleteCommand } from './commands/delete.js';
import { describeCommand } from './commands/describe.js';
import { execCommand, outsideCommand } from './commands/exec.js';
import { getCommand } from './commands/get.js';
import { logsCommand } from './commands/logs.js';
import { downCommand, upCommand } from './commands/up-down.js';
import { waitCommand } from './commands/wait.js';

const USAGE = `podnet — Kubernetes networking, for real, on one Linux machine

Usage:
  podnet up [--nodes N] [--cluster NAME]     build the network, start the daemon, nodes, DNS and ingress
  podnet down [--cluster NAME]               remove everything of that cluster
  podnet demo                                up + the built-in example + a request through every layer
  podnet apply -f FILE|DIR|-                 create or update objects
  podnet delete -f FILE | KIND NAME [-n NS]  delete objects
  podnet get KIND [NAME] [-n NS|-A] [-l SEL] [-o wide|json|yaml|name]
  podnet describe KIND NAME [-n NS]
  podnet wait --for=condition=Ready KIND [NAME|-l SEL|--all] [--timeout=60s]
  podnet logs [-n NS] POD [-c CONTAINER] [--follow]
  podnet exec [-n NS] POD -- CMD…            run CMD inside a pod
  podnet exec node/NAME -- CMD…              run CMD inside a node's network namespace
  podnet outside -- CMD…                     run CMD on the outside client
  podnet port-forward [-n NS] svc/NAME|pod/NAME [ADDR:]LOCAL:REMOTE
                                             reach a Service or pod from the host's 127.0.0.1

--cluster NAME (or PODNET_CLUSTER) selects the cluster; the default is "podnet".
`;

type Command = (ctx: Context, flags: CommonFlags) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  up: (ctx, flags) => upCommand(ctx, flags),
  down: (ctx) => downCommand(ctx),
  apply: applyCommand,
  delete: deleteCommand,
  get: getCommand,
  describe: describeCommand,
  wait: waitCommand,
  logs: logsCommand,
  exec: execCommand,
  outside: outsideCommand,
  'port-forward': async (ctx, flags) => {
    const { portForwardCommand } = await import('./commands/port-forward.js');
    return portForwardCommand(ctx, flags);
  },
  daemon: async (ctx, flags) => {
    const { runDaemon } = await import('../daemon/main.js');
    return runDaemon(ctx.cluster, flags.nodes ?? 2, !flags.bare);
  },
  demo: async (ctx, flags) => {
    const { demoCommand } = await import('./commands/demo.js');
    return demoCommand(ctx, flags);
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) throw new PodnetError('EUSAGE', `unknown command "${name}" for "podnet"; run "podnet help"`);
  const flags = parseFlags(rest);
  if (flags.help) { process.stdout.write(USAGE); return 0; }
  return command(context(flags.cluster), flags);
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
