// Scenario 4: queued users refresh their page. After the socket drops and
// reconnects and check is called again, each keeps its position and ZSET
// score, the server restores the session, and admission arrives on the new socket.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

const scenario = defineScenario({
  name: 'reconnect',
  defaults: defaults['reconnect'],
});

export const options = scenario.options;
export const setup = scenario.setup;
export const users = scenario.users;
export const probe = scenario.probe;
export const handleSummary = scenario.handleSummary;
