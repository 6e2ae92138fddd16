// The cluster DNS QueryHandler: names in the cluster zone and our reverse
// zones are answered from the index (answer.ts); everything else is forwarded
// upstream (forwarder.ts), as CoreDNS's kubernetes + forward plugins do in
// the stock Corefile. An ExternalName CNAME pointing outside our zones is
// completed with the upstream's answer for the target when it can be had.

import { answer, servingZone, type ClusterDnsOptions } from './answer.js';
import type { DnsIndex } from './cluster-records.js';
import type { Forwarder } from './forwarder.js';
import { RCODE, type DnsQuestion, type Rcode } from './records.js';
import type { QueryHandler, Resolution } from './server.js';
import { FLAG } from './wire.js';

export class ClusterResolver implements QueryHandler {
  constructor(
    private readonly index: DnsIndex,
    private readonly options: ClusterDnsOptions,
    private readonly forwarder?: Forwarder,
  ) {}

  generation(): number { return this.index.generation(); }

  resolve(q: DnsQuestion): Resolution | Promise<Resolution> {
    if (servingZone(q.name, this.options) !== undefined) return this.local(q);
    return this.forward(q);
  }

  private local(q: DnsQuestion): Resolution | Promise<Resolution> {
    const generation = this.index.generation();
    const a = answer(this.index, q, this.options);
    const res: Resolution = {
      rcode: RCODE[a.rcode as Rcode] ?? RCODE.SERVFAIL,
      flags: (a.authoritative ? FLAG.AA : 0) | FLAG.RA,
      answers: a.answers, authority: a.authority, additionals: a.additionals,
      // SERVFAIL (not synced yet) is never cached: the next query should see the synced index.
      reuse: a.rcode === 'SERVFAIL' ? undefined : { generation },
    };
    if (!a.chase || !this.forwarder?.hasUpstreams) return res;
    const chase = a.chase;
    return this.forwarder.resolve(chase).then((up) => ({
      ...res,
      answers: [...a.answers, ...up.answers],
      // Cached only as long as both the index and the upstream's TTL allow.
      reuse: up.expiresAt > 0 ? { until: up.expiresAt } : undefined,
      upstream: up.upstream,
    }), () => ({ ...res, reuse: undefined }));
  }

  private async forward(q: DnsQuestion): Promise<Resolution> {
    if (!this.forwarder?.hasUpstreams) return { rcode: RCODE.REFUSED, flags: 0, answers: [], authority: [], additionals: [], reuse: undefined };
    try {
      const up = await this.forwarder.resolve(q);
      return {
        rcode: RCODE[up.rcode as Rcode] ?? RCODE.SERVFAIL,
        flags: FLAG.RA,
        answers: up.answers, authority: up.authority, additionals: up.additionals,
        reuse: up.expiresAt > 0 ? { until: up.expiresAt } : undefined,
        cached: up.cached, upstream: up.upstream,
      };
    } catch {
      // No upstream answered: SERVFAIL, not cached (RFC 2308 §7.1 allows it; CoreDNS does not).
      return { rcode: RCODE.SERVFAIL, flags: FLAG.RA, answers: [], authority: [], additionals: [], reuse: undefined };
    }
  }
}
