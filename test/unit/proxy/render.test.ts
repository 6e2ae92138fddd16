// The generated transaction as text: one small case in full, and the
// incremental forms an endpoint change and a Service removal produce.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChanges, renderRuleset } from '../../../src/proxy/api.js';
import { buildModel } from '../../../src/proxy/ruleset.js';
import { renderDiff, renderFull, servicesAtFault } from '../../../src/proxy/render.js';
import { NODE, service, slice, world } from './fixtures.js';

const WEB = [service('web', '10.96.0.10', [{ port: 80 }])];
const ONE = [slice('web', [{ port: 8080 }], [{ ip: '10.244.0.5' }])];
const TWO = [slice('web', [{ port: 8080 }], [{ ip: '10.244.0.5' }, { ip: '10.244.1.5', node: 'node-2' }])];

const EXPECTED_FULL = `add table ip podnet
delete table ip podnet
table ip podnet {
	set cluster-ips {
		type ipv4_addr
		comment "every ClusterIP"
		elements = {
			10.96.0.10
		}
	}
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, external IP and LoadBalancer IP frontends with endpoints"
		elements = {
			10.96.0.10 . tcp . 80 : goto endpoints-1
		}
	}
	map service-nodeports {
		type inet_proto . inet_service : verdict
		comment "NodePorts with endpoints"
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "frontends without endpoints: rejected"
	}
	map no-endpoint-nodeports {
		type inet_proto . inet_service : verdict
		comment "NodePorts without endpoints: rejected"
	}
	map service-endpoints-tcp {
		typeof ip daddr . th dport . numgen random mod 1 : ip daddr . tcp dport
		comment "tcp frontend . index → endpoint"
		elements = {
			10.96.0.10 . 80 . 0 : 10.244.0.5 . 8080
		}
	}
	map service-endpoints-udp {
		typeof ip daddr . th dport . numgen random mod 1 : ip daddr . udp dport
		comment "udp frontend . index → endpoint"
	}
	map service-endpoints-sctp {
		typeof ip daddr . th dport . numgen random mod 1 : ip daddr . sctp dport
		comment "sctp frontend . index → endpoint"
	}
	map nodeport-endpoints-tcp {
		typeof th dport . numgen random mod 1 : ip daddr . tcp dport
		comment "tcp NodePort . index → endpoint"
	}
	map nodeport-endpoints-udp {
		typeof th dport . numgen random mod 1 : ip daddr . udp dport
		comment "udp NodePort . index → endpoint"
	}
	map nodeport-endpoints-sctp {
		typeof th dport . numgen random mod 1 : ip daddr . sctp dport
		comment "sctp NodePort . index → endpoint"
	}
	set hairpin-endpoints {
		type ipv4_addr . ipv4_addr
		comment "local endpoint . itself: a pod reaching itself through a Service"
		elements = {
			10.244.0.5 . 10.244.0.5
		}
	}
	map firewall-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "LoadBalancer frontends with loadBalancerSourceRanges"
	}
	chain filter-prerouting {
		type filter hook prerouting priority dstnat - 10; policy accept;
		ct state new jump firewall-check
		ct state new jump service-endpoints-check
	}
	chain filter-output {
		type filter hook output priority -110; policy accept;
		ct state new jump firewall-check
		ct state new jump service-endpoints-check
	}
	chain firewall-check {
		ip daddr . meta l4proto . th dport vmap @firewall-ips
	}
	chain filter-forward {
		type filter hook forward priority filter; policy accept;
		ct state new jump cluster-ips-check
	}
	chain filter-output-post-dnat {
		type filter hook output priority -90; policy accept;
		ct state new jump cluster-ips-check
	}
	chain service-endpoints-check {
		ip daddr . meta l4proto . th dport vmap @no-endpoint-services
		ip daddr 172.18.0.2 meta l4proto . th dport vmap @no-endpoint-nodeports
	}
	chain cluster-ips-check {
		ip daddr @cluster-ips goto reject-chain
		ip daddr 10.96.0.0/12 drop
	}
	chain reject-chain {
		ip saddr 172.18.0.1/32 reject
		log group 4003 snaplen 128 queue-threshold 1 reject
	}
	chain no-local-endpoint {
		log group 4004 snaplen 128 queue-threshold 1 drop
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain nat-output {
		type nat hook output priority -100; policy accept;
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		jump masquerading
	}
	chain services {
		ip saddr != 10.244.0.0/16 ip daddr @cluster-ips jump mark-for-masquerade
		ip daddr . meta l4proto . th dport vmap @service-ips
		ip daddr 172.18.0.2 meta l4proto . th dport vmap @service-nodeports
	}
	chain mark-for-masquerade {
		meta mark set meta mark | 0x00004000
	}
	chain masquerading {
		ct status dnat ip saddr . ip daddr @hairpin-endpoints masquerade fully-random
		meta mark & 0x00004000 == 0 return
		meta mark set meta mark ^ 0x00004000
		masquerade fully-random
	}
	chain endpoints-1 {
		meta l4proto tcp dnat ip to ip daddr . th dport . numgen random mod 1 map @service-endpoints-tcp
		meta l4proto udp dnat ip to ip daddr . th dport . numgen random mod 1 map @service-endpoints-udp
		meta l4proto sctp dnat ip to ip daddr . th dport . numgen random mod 1 map @service-endpoints-sctp
	}
}
`;

test('render: one Service with one endpoint, the whole transaction', () => {
  assert.equal(renderRuleset({ config: NODE, services: WEB, slices: ONE }), EXPECTED_FULL);
});

test('render: a second endpoint is a handful of element edits', () => {
  const text = renderChanges({ config: NODE, services: WEB, slices: ONE }, { config: NODE, services: WEB, slices: TWO });
  assert.equal(text, [
    'add chain ip podnet endpoints-2',
    'add rule ip podnet endpoints-2 meta l4proto tcp dnat ip to ip daddr . th dport . numgen random mod 2 map @service-endpoints-tcp',
    'add rule ip podnet endpoints-2 meta l4proto udp dnat ip to ip daddr . th dport . numgen random mod 2 map @service-endpoints-udp',
    'add rule ip podnet endpoints-2 meta l4proto sctp dnat ip to ip daddr . th dport . numgen random mod 2 map @service-endpoints-sctp',
    'delete element ip podnet service-ips {',
    '\t10.96.0.10 . tcp . 80',
    '}',
    'add element ip podnet service-ips {',
    '\t10.96.0.10 . tcp . 80 : goto endpoints-2',
    '}',
    'add element ip podnet service-endpoints-tcp {',
    '\t10.96.0.10 . 80 . 1 : 10.244.1.5 . 8080',
    '}',
    'flush chain ip podnet endpoints-1',
    'delete chain ip podnet endpoints-1',
    '',
  ].join('\n'));
});

test('render: losing every endpoint moves the frontend to the reject map', () => {
  const text = renderChanges({ config: NODE, services: WEB, slices: ONE }, { config: NODE, services: WEB, slices: [] });
  assert.match(text, /delete element ip podnet service-ips \{\n\t10\.96\.0\.10 \. tcp \. 80\n\}/);
  assert.match(text, /add element ip podnet no-endpoint-services \{\n\t10\.96\.0\.10 \. tcp \. 80 : goto reject-chain\n\}/);
  assert.match(text, /delete chain ip podnet endpoints-1/);
});

test('render: an unchanged state renders no changes', () => {
  const s = { config: NODE, ...world() };
  assert.equal(renderChanges(s, s), '');
});

test('render: a changed base chain (new service CIDR) needs the full transaction', () => {
  const a = buildModel({ config: NODE, ...world() });
  const b = buildModel({ config: { ...NODE, clusterCIDR: '10.0.0.0/8' }, ...world() });
  // services chain changes: still expressible; a hook change is not
  assert.notEqual(renderDiff(a, b), null);
  const c = buildModel({ config: NODE, ...world() });
  c.chains.get('nat-output')!.hook!.priority = '-50';
  assert.equal(renderDiff(a, c), null);
});

test('render: removing a ClientIP-affinity Service deletes its chains before its sets', () => {
  const w = world();
  const prev = buildModel({ config: NODE, ...w });
  const next = buildModel({ config: NODE, services: w.services.filter((s) => s.metadata.name !== 'aff'), slices: w.slices });
  const lines = renderDiff(prev, next)!.text.split('\n');
  const lastChainDelete = Math.max(...lines.map((l, i) => (l.startsWith('delete chain') ? i : -1)));
  const firstSetDelete = lines.findIndex((l) => l.startsWith('delete set'));
  assert.ok(firstSetDelete > lastChainDelete, 'sets go after the chains that use them');
  assert.equal(lines.filter((l) => l.startsWith('delete set')).length, 2);
});

test('render: the full transaction of the example world round-trips through diff from empty', () => {
  const full = renderFull(buildModel({ config: NODE, ...world() }));
  assert.match(full.text, /^add table ip podnet\ndelete table ip podnet\ntable ip podnet \{/);
  assert.ok(!/\bflush ruleset\b/.test(full.text), 'never touches other tables');
});

test('render: nft errors are attributed to the Service owning the line', () => {
  const tx = renderFull(buildModel({ config: NODE, ...world() }));
  const line = tx.text.split('\n').findIndex((l) => l.includes('198.51.100.200 . tcp . 80 :')) + 1;
  const stderr = `/dev/stdin:${line}:4-20: Error: Could not process rule: File exists\n`;
  assert.deepEqual(servicesAtFault(tx, stderr), ['default/ext']);
  assert.deepEqual(servicesAtFault(tx, 'Error: something global\n'), []);
});
