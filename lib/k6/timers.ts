// What the build serves for `import ... from 'k6/timers'`: k6/timers or
// k6/experimental/timers, whichever this k6 has (./modules.ts).
import { timers } from './modules';

export const setTimeout = timers.setTimeout;
export const clearTimeout = timers.clearTimeout;
export const setInterval = timers.setInterval;
export const clearInterval = timers.clearInterval;
