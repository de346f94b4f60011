// Scenario 2: threshold 5, one processor tick every 5 s, 20 users who hold
// their slot for a dwell time and leave. Batches admit at most the free slots,
// one per tick, in queue order, and every queued user gets in within its bound.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

const scenario = defineScenario({
  name: 'processing-rate',
  defaults: defaults['processing-rate'],
});

export const options = scenario.options;
export const setup = scenario.setup;
export const users = scenario.users;
export const probe = scenario.probe;
export const handleSummary = scenario.handleSummary;
