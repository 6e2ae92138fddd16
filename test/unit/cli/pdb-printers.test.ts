// PodDisruptionBudgets in podnet's printers: the names `get` takes, kubectl's
// table (each bound as intstr prints it, N/A when unset) and describe (the
// bound that is set, the selector or <unset>, the counts, the events).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceForName } from '../../../src/api/resources.js';
import type { Event, PodDisruptionBudget, PodDisruptionBudgetSpec } from '../../../src/api/types.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

function budget(name: string, spec: PodDisruptionBudgetSpec, allowed = 1): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(3600) }, spec,
    status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
  };
}

const web = { matchLabels: { app: 'web' } };

test('pdb, poddisruptionbudget and PodDisruptionBudget name the kind', () => {
  for (const name of ['pdb', 'poddisruptionbudget', 'poddisruptionbudgets', 'PodDisruptionBudget', 'poddisruptionbudgets.policy']) {
    assert.equal(resourceForName(name)?.kind, 'PodDisruptionBudget', name);
  }
});

test('get pdb: NAME, MIN AVAILABLE, MAX UNAVAILABLE (N/A for the unset one), ALLOWED DISRUPTIONS, AGE', () => {
  assert.equal(printTable('PodDisruptionBudget', [budget('web', { minAvailable: 1, selector: web }), budget('api', { maxUnavailable: '25%', selector: web }, 0)], { now: NOW }), lines(
    'NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE',
    'web    1               N/A               1                     60m',
    'api    N/A             25%               0                     60m',
  ));
});

test('describe pdb: the bound that is set, the selector, the counts under Status, then events', () => {
  const event: Event = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' },
    involvedObject: { kind: 'PodDisruptionBudget', name: 'web', namespace: 'default', uid: 'uid-web' },
    type: 'Normal', reason: 'NoPods', message: 'No matching pods found', count: 2, firstTimestamp: ago(3600), lastTimestamp: ago(60),
    source: { component: 'controllermanager' },
  };
  assert.equal(describe(budget('web', { minAvailable: 1, selector: web }), [event], {}, NOW), lines(
    'Name:           web',
    'Namespace:      default',
    'Min available:  1',
    'Selector:       app=web',
    'Status:',
    '    Allowed disruptions:  1',
    '    Current:              2',
    '    Desired:              1',
    '    Total:                2',
    'Events:',
    '  Type    Reason  Age                From               Message',
    '  ----    ------  ----               ----               -------',
    '  Normal  NoPods  60s (x2 over 60m)  controllermanager  No matching pods found',
  ));
  assert.equal(describe(budget('api', { maxUnavailable: '25%' }), [], {}, NOW), lines(
    'Name:             api',
    'Namespace:        default',
    'Max unavailable:  25%',
    'Selector:         <unset>',
    'Status:',
    '    Allowed disruptions:  1',
    '    Current:              2',
    '    Desired:              1',
    '    Total:                2',
    // in the tabwriter block of the counts above it, as kubectl aligns it
    'Events:                   <none>',
  ));
});
