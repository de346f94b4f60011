// Scenario 5 (beyond the guide): the check race. Every user logs in, connects
// and joins the room first; then all of them send check at the same instant
// (RACE_AT_MS after the start), not held back by HTTP_CONCURRENCY. A waiting
// room whose check reads the active count and writes it in two steps (defect 1)
// admits more than QUEUE_THRESHOLD here, or tells users they are in while Redis
// says otherwise. Exactly the threshold get in, the rest get positions 1..k
// once each, and Redis agrees with every answer.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'check-race',
  defaults: defaults['check-race'],
  shape: { race: true, waitForAdmission: false },
});
