// What podnet trace (and podnet test) accept as a request (pure): an http,
// https or tcp:// URL, IPv4, and a source that is the outside client or a pod.

import { PodnetError } from '../errors.js';

/** "http://HOST/…" for a URL given without a scheme, as curl takes it; tcp://HOST:PORT for a connection only. */
export function traceURL(text: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new PodnetError('EUSAGE', `invalid URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'tcp:') throw new PodnetError('EUSAGE', `podnet trace follows HTTP and HTTPS requests and tcp://HOST:PORT connections, not ${url.protocol.slice(0, -1)}`);
  if (url.protocol === 'tcp:' && !url.port) throw new PodnetError('EUSAGE', `a tcp:// URL needs a port: tcp://${url.hostname}:PORT`);
  if (url.hostname.startsWith('[')) throw new PodnetError('EUSAGE', `podnet trace follows IPv4 only (podnet's networks are IPv4): ${url.hostname}`);
  return url;
}

/** A source other than `outside` is a pod reference; a node is not one (exec node/NAME runs there). */
export function checkSource(from: string): void {
  if (from.startsWith('node/') || from.startsWith('nodes/')) throw new PodnetError('EUSAGE', `--from takes the outside client or a pod (NAME, pod/NAME, deploy|sts|svc/NAME); from a node, run: podnet exec ${from} -- curl -v URL`);
}
