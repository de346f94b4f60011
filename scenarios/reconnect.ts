// Scenario 4: queued users refresh their page. After the socket drops and
// reconnects and check is called again, each keeps its position and ZSET
// score, the server restores the session, and admission arrives on the new socket.
import { defineScenario } from '../lib/scenario';
import defaults from './defaults.json';

// k6 reads these named exports: options, setup, the two scenarios' exec functions, handleSummary.
export const { options, setup, users, probe, handleSummary } = defineScenario({
  name: 'reconnect',
  defaults: defaults['reconnect'],
});
