// Scenario 1, the guide's first check: with threshold 10 and 15 users, the
// first 10 are admitted at once and the other 5 queue with positions 1..5,
// each handed out once; Redis holds exactly 10 active and 5 queued.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'threshold-overflow',
  defaults: defaults['threshold-overflow'],
  checkPeak: true,
});
