// `HOST:PORT` / `[HOST]:PORT` command-line addresses of the DNS servers. A
// module of its own so that the external DNS, which needs only this, does not
// load the cluster DNS (informers, API client, forwarder) at its start.

export interface HostPort { host: string; port: number }

export function parseHostPort(text: string, defaultHost = '0.0.0.0'): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  if (!m) throw new Error(`invalid address "${text}": want [HOST]:PORT`);
  return { host: m[1] || defaultHost, port: Number(m[2]) };
}
