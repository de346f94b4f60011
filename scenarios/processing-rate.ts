// Scenario 2: threshold 5, one processor tick every 5 s, 20 users who hold
// their slot for a dwell time and leave. Batches admit at most the free slots,
// one per tick, in queue order, and every queued user gets in within its bound.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'processing-rate',
  defaults: defaults['processing-rate'],
});
