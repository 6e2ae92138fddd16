// Built-in system images find the API server the way in-cluster Kubernetes
// clients do, from the environment the node agent gives every container.

export function withApiSocketArg(argv: string[]): string[] {
  if (argv.some((a) => a === '--api-socket' || a.startsWith('--api-socket='))) return argv;
  const socket = process.env.PODNET_API_SOCKET;
  if (!socket) {
    process.stderr.write('podnet system image: PODNET_API_SOCKET is not set (is this running in a podnet pod?)\n');
    process.exit(2);
  }
  return [...argv, '--api-socket', socket];
}
