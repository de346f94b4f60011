// Scenario 7: a pod dies mid-sale. A small threshold and many queued users;
// DISRUPT_AT_MS after the first arrival the room is disrupted (tools/run-scenario.sh:
// DISRUPT=process|all|redis on the reference room, DISRUPT_CMD on a real one).
// Every queued user keeps its place, sockets come back, admissions resume
// within RECOVERY_MAX_MS, and everyone is admitted and told in the end (docs/restart.md).
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'restart',
  defaults: defaults['restart'],
});
