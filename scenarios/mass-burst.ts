// Scenario 3: 100 users 50 ms apart against threshold 20. Exactly 20 get in
// at once, 80 queue, the active set never exceeds the threshold, and no HTTP or
// Socket.IO call fails. Scales to thousands of users with USERS and USERS_PER_VU.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

const scenario = defineScenario({
  name: 'mass-burst',
  defaults: defaults['mass-burst'],
});

export const options = scenario.options;
export const setup = scenario.setup;
export const users = scenario.users;
export const probe = scenario.probe;
export const handleSummary = scenario.handleSummary;
