// What the load balancer is doing, as JSON in <state>/<cluster>/lb-status.json
// for `podnet demo`, `podnet trace` and people: every frontend, every candidate
// node, its health and why. Written to a temporary name and renamed, so a
// reader never sees half a file.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HealthRecord } from './health-checker.js';
import { describeCheck, probeId, type LbBackendSet, type LbNode } from './lb-model.js';
import { LB_TABLE_FAMILY, LB_TABLE_NAME } from './lb-ruleset.js';

export const LB_STATUS_FILE = 'lb-status.json';

export interface LbTargetStatus {
  node: string;
  nodeIP: string;
  nodePort: number;
  state: HealthRecord['state'];
  /** receives new connections */
  inService: boolean;
  check: string;
  detail: string;
  since: string;
}

export interface LbFrontendStatus {
  service: string;
  id: string;
  /** "203.0.113.10:80/tcp" */
  address: string;
  externalTrafficPolicy: 'Cluster' | 'Local';
  nodePort: number;
  targets: LbTargetStatus[];
}

export interface LbStatus {
  table: string;
  health: { intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number };
  frontends: LbFrontendStatus[];
}

export function lbStatusPath(clusterDir: string): string {
  return path.join(clusterDir, LB_STATUS_FILE);
}

/** The status the LB agent last wrote; undefined before it wrote one. */
export function readLbStatus(clusterDir: string): LbStatus | undefined {
  try { return JSON.parse(readFileSync(lbStatusPath(clusterDir), 'utf8')) as LbStatus; } catch { return undefined; }
}

/** The status document (pure); `record` gives each probe's health record. */
export function buildLbStatus(
  sets: readonly LbBackendSet[], nodes: readonly LbNode[], record: (probeId: string) => HealthRecord | undefined,
  health: LbStatus['health'],
): LbStatus {
  return {
    table: `${LB_TABLE_FAMILY} ${LB_TABLE_NAME}`,
    health,
    frontends: sets.map(({ frontend: f, backends }) => ({
      service: f.service,
      id: f.id,
      address: `${f.ip}:${f.port}/${f.proto}`,
      externalTrafficPolicy: f.policy,
      nodePort: f.nodePort,
      targets: nodes.map((n) => {
        const rec = record(probeId(f, n));
        return {
          node: n.name, nodeIP: n.ip, nodePort: f.nodePort,
          state: rec?.state ?? 'initial',
          inService: backends.some((b) => b.node === n.name),
          check: describeCheck(f.check, n.name, n.ip),
          detail: rec?.detail ?? 'not checked yet',
          since: new Date(rec?.since ?? 0).toISOString(),
        };
      }),
    })),
  };
}

