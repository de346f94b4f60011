// What the build serves for `import ... from 'k6/websockets'`: the WebSocket of
// k6/websockets or k6/experimental/websockets, whichever this k6 has (./modules.ts).
import { websockets } from './modules';

export const WebSocket = websockets.WebSocket;
