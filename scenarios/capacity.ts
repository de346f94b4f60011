// Scenario 6: capacity, k6's breakpoint test for a waiting room. Arrivals ramp
// from START_RATE to MAX_RATE users per second over RAMP_S (at most USERS);
// every user logs in, connects, joins, checks, waits or goes in, dwells and
// leaves. Each VU judges the last WINDOW_S seconds every second; the first
// cause that breaks (connect time, errors, admitted users not told, a queue
// invariant, waits past WAIT_MAX_MS, the room's event-loop lag, or the load
// generator itself falling behind) stops the run. With REQUIRED_USERS or
// REQUIRED_RATE the run passes once the requirement is held for a window.
// capacity/cli.ts computes the exact knee from the samples after the run (docs/capacity.md).
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'capacity',
  defaults: defaults['capacity'],
  shape: { capacity: true },
});
