// Scenario 3: 100 users 50 ms apart against threshold 20. Exactly 20 get in
// at once, 80 queue, the active set never exceeds the threshold, and no HTTP or
// Socket.IO call fails. Scales to thousands of users with USERS and USERS_PER_VU.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'mass-burst',
  defaults: defaults['mass-burst'],
});
