// Engine.IO protocol 4 and Socket.IO protocol 5 packets, as text frames.
//
// Pure functions, no imports: this file runs in k6 (goja) and in Node alike.
//
// Decode-failure policy (a malformed frame must never crash a VU):
//  - Engine.IO decoding NEVER throws. A frame it cannot read becomes an
//    `EngineErrorPacket` ({ type: 'error', code, data }), which the caller
//    counts and drops.
//  - Socket.IO decoding throws ONLY `ProtocolError` (anything else, such as a
//    JSON.parse SyntaxError, is caught and re-thrown as one), so one
//    `instanceof ProtocolError` check is the whole contract for callers.
//  - `decodeFrame` composes both and never throws: it returns a discriminated
//    union with the error as a value.
//  - Encoding throws `ProtocolError` on packets the peer would reject
//    (invalid payload for the type, reserved event names, binary data): a bug
//    in the caller, reported before anything reaches the wire.
//
// The suite carries no binary: BINARY_EVENT / BINARY_ACK packets and binary
// frames are recognised and refused with code 'binary_unsupported'.

// ---------------------------------------------------------------- errors

export type ProtocolErrorCode =
  | 'not_text' //         the frame is not a string (and not binary)
  | 'empty' //            zero-length frame
  | 'bad_type' //         unknown Engine.IO or Socket.IO packet type
  | 'bad_namespace' //    namespace not of the form '/name'
  | 'bad_ack_id' //       ack id not a safe integer, or missing on an ACK
  | 'bad_json' //         payload is not JSON (or cannot be serialised)
  | 'bad_payload' //      JSON, but not what this packet type carries
  | 'reserved_event' //   'connect', 'disconnect', ... used as an event name
  | 'binary_unsupported' // binary frame or BINARY_* packet
  | 'too_large' //        larger than the negotiated maxPayload
  | 'bad_handshake'; //   Engine.IO open packet unusable

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

// ---------------------------------------------------------------- Engine.IO

export const ENGINE_PACKET_TYPES = {
  open: '0',
  close: '1',
  ping: '2',
  pong: '3',
  message: '4',
  upgrade: '5',
  noop: '6',
} as const;

export type EnginePacketType = keyof typeof ENGINE_PACKET_TYPES;

/** '0' → 'open', ... computed from the table above so the two never disagree. */
export const ENGINE_PACKET_TYPES_REVERSE: Readonly<Record<string, EnginePacketType>> = (() => {
  const reverse: Record<string, EnginePacketType> = Object.create(null);
  for (const name of Object.keys(ENGINE_PACKET_TYPES) as EnginePacketType[]) {
    reverse[ENGINE_PACKET_TYPES[name]] = name;
  }
  return reverse;
})();

export interface EnginePacket {
  type: EnginePacketType;
  /** Everything after the type character; absent when empty. */
  data?: string;
}

export interface EngineErrorPacket {
  type: 'error';
  code: ProtocolErrorCode;
  /** Human-readable reason. */
  data: string;
}

/** engine.io's default `maxHttpBufferSize`, used until a handshake says otherwise. */
export const DEFAULT_MAX_PAYLOAD = 1_000_000;

export function encodeEnginePacket(packet: EnginePacket): string {
  const code = ENGINE_PACKET_TYPES[packet.type];
  if (code === undefined) throw new ProtocolError('bad_type', `unknown Engine.IO packet type ${String(packet.type)}`);
  return packet.data === undefined ? code : code + packet.data;
}

function engineError(code: ProtocolErrorCode, data: string): EngineErrorPacket {
  return { type: 'error', code, data };
}

function isBinary(value: unknown): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Reads one websocket frame as an Engine.IO packet. Never throws.
 * `maxPayload` is in bytes (UTF-8), as the server's handshake states it.
 */
export function decodeEnginePacket(frame: unknown, maxPayload: number = DEFAULT_MAX_PAYLOAD): EnginePacket | EngineErrorPacket {
  if (typeof frame !== 'string') {
    return isBinary(frame)
      ? engineError('binary_unsupported', 'binary frame')
      : engineError('not_text', `frame of type ${frame === null ? 'null' : typeof frame}`);
  }
  if (frame.length === 0) return engineError('empty', 'empty frame');
  if (exceedsBytes(frame, maxPayload)) return engineError('too_large', `frame larger than maxPayload ${maxPayload} bytes`);
  const first = frame.charAt(0);
  // 'b' + base64 is how protocol 4 carries binary over text (polling); never used here.
  if (first === 'b') return engineError('binary_unsupported', 'base64 binary packet');
  const type = ENGINE_PACKET_TYPES_REVERSE[first];
  if (type === undefined) return engineError('bad_type', `unknown Engine.IO packet type ${JSON.stringify(first)}`);
  return frame.length > 1 ? { type, data: frame.substring(1) } : { type };
}

/** UTF-8 length of a JS string, counting lone surrogates as 3 bytes (as encoders replace them with U+FFFD). */
export function utf8ByteLength(str: string): number {
  let bytes = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
      const next = str.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Cheap before exact: a UTF-16 unit is 1 to 3 UTF-8 bytes, so most strings need no count. */
export function exceedsBytes(str: string, maxBytes: number): boolean {
  if (str.length > maxBytes) return true;
  if (str.length * 3 <= maxBytes) return false;
  return utf8ByteLength(str) > maxBytes;
}

// ---------------------------------------------------------------- handshake

export interface OpenHandshake {
  sid: string;
  upgrades: string[];
  /** ms between the server's pings. */
  pingInterval: number;
  /** ms the server waits for our pong (and we allow on top of pingInterval). */
  pingTimeout: number;
  /** Largest frame, in bytes, either side may send. */
  maxPayload: number;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/**
 * Validates the JSON of the Engine.IO open packet (`0{...}`). Throws
 * ProtocolError('bad_handshake'). `maxPayload` may be absent (servers older
 * than engine.io 5 omit it): DEFAULT_MAX_PAYLOAD then applies.
 */
export function parseOpen(data: string | undefined): OpenHandshake {
  if (data === undefined || data === '') throw new ProtocolError('bad_handshake', 'open packet without payload');
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    throw new ProtocolError('bad_handshake', 'open payload is not JSON');
  }
  if (!isPlainObject(raw)) throw new ProtocolError('bad_handshake', 'open payload is not an object');
  const { sid, upgrades, pingInterval, pingTimeout } = raw;
  const maxPayload = raw.maxPayload === undefined ? DEFAULT_MAX_PAYLOAD : raw.maxPayload;
  if (typeof sid !== 'string' || sid === '') throw new ProtocolError('bad_handshake', `expected sid to be a non-empty string, got ${JSON.stringify(sid)}`);
  if (!Array.isArray(upgrades) || !upgrades.every((u) => typeof u === 'string')) {
    throw new ProtocolError('bad_handshake', 'expected upgrades to be an array of strings');
  }
  if (!isPositiveInt(pingInterval)) throw new ProtocolError('bad_handshake', `expected pingInterval to be a positive integer, got ${JSON.stringify(pingInterval)}`);
  if (!isPositiveInt(pingTimeout)) throw new ProtocolError('bad_handshake', `expected pingTimeout to be a positive integer, got ${JSON.stringify(pingTimeout)}`);
  if (!isPositiveInt(maxPayload)) throw new ProtocolError('bad_handshake', `expected maxPayload to be a positive integer, got ${JSON.stringify(maxPayload)}`);
  return { sid, upgrades: upgrades as string[], pingInterval, pingTimeout, maxPayload };
}

// ---------------------------------------------------------------- Socket.IO

export const SOCKET_PACKET_TYPES = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

export type SocketPacketTypeName = keyof typeof SOCKET_PACKET_TYPES;
export type SocketPacketType = (typeof SOCKET_PACKET_TYPES)[SocketPacketTypeName];

export const SOCKET_PACKET_TYPES_REVERSE: Readonly<Record<number, SocketPacketTypeName>> = (() => {
  const reverse: Record<number, SocketPacketTypeName> = Object.create(null);
  for (const name of Object.keys(SOCKET_PACKET_TYPES) as SocketPacketTypeName[]) {
    reverse[SOCKET_PACKET_TYPES[name]] = name;
  }
  return reverse;
})();

/** Event names the Socket.IO client keeps for itself; never sent or accepted as events. */
export const RESERVED_EVENTS: readonly string[] = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

export interface SocketPacket {
  type: SocketPacketType;
  /** '/' or '/name'. */
  nsp: string;
  /** CONNECT: auth or {sid}; CONNECT_ERROR: {message, data?} or string; EVENT: [name, ...args]; ACK: [...args]. */
  data?: unknown;
  /** EVENT that wants an answer, or the ACK answering it. */
  id?: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === '[object Object]';
}

function isEventName(v: unknown): boolean {
  // socket.io-parser accepts numeric event names too; so do we, for parity.
  return typeof v === 'number' || (typeof v === 'string' && RESERVED_EVENTS.indexOf(v) === -1);
}

/**
 * What each packet type may carry, checked on both encode and decode so a
 * decoded packet always re-encodes. Stricter than socket.io-parser in one
 * way: EVENT, ACK and CONNECT_ERROR must have a payload (the parser lets an
 * empty one through and the server then fails on it).
 */
const PAYLOAD_RULES: Record<SocketPacketType, (payload: unknown) => boolean> = {
  [SOCKET_PACKET_TYPES.CONNECT]: (p) => p === undefined || isPlainObject(p),
  [SOCKET_PACKET_TYPES.DISCONNECT]: (p) => p === undefined,
  [SOCKET_PACKET_TYPES.EVENT]: (p) => Array.isArray(p) && p.length > 0 && isEventName(p[0]),
  [SOCKET_PACKET_TYPES.ACK]: (p) => Array.isArray(p),
  [SOCKET_PACKET_TYPES.CONNECT_ERROR]: (p) => typeof p === 'string' || isPlainObject(p),
  [SOCKET_PACKET_TYPES.BINARY_EVENT]: () => false,
  [SOCKET_PACKET_TYPES.BINARY_ACK]: () => false,
};

export function isPayloadValid(type: SocketPacketType, payload: unknown): boolean {
  const rule = PAYLOAD_RULES[type];
  return rule !== undefined && rule(payload);
}

function payloadError(type: SocketPacketType, payload: unknown): ProtocolError {
  if (type === SOCKET_PACKET_TYPES.EVENT && Array.isArray(payload) && typeof payload[0] === 'string' && RESERVED_EVENTS.indexOf(payload[0]) !== -1) {
    return new ProtocolError('reserved_event', `"${payload[0]}" is a reserved event name`);
  }
  return new ProtocolError('bad_payload', `invalid payload for ${SOCKET_PACKET_TYPES_REVERSE[type]}`);
}

function isBinaryType(type: number): boolean {
  return type === SOCKET_PACKET_TYPES.BINARY_EVENT || type === SOCKET_PACKET_TYPES.BINARY_ACK;
}

function isValidNamespace(nsp: unknown): nsp is string {
  return typeof nsp === 'string' && nsp.charAt(0) === '/' && nsp.indexOf(',') === -1;
}

function isValidAckId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

// JSON.stringify visits every value: the cheapest place to refuse binary.
function refuseBinary(_key: string, value: unknown): unknown {
  if (isBinary(value)) throw new ProtocolError('binary_unsupported', 'binary payloads are not supported');
  return value;
}

/** `<type>[/nsp,][id][json]` — e.g. `42["join-queue",{...}]`, `431["ok"]`, `2/admin,7["x"]` (inside the Engine.IO `4`). */
export function encodeSocketPacket(packet: SocketPacket): string {
  const { type, nsp, data, id } = packet;
  if (SOCKET_PACKET_TYPES_REVERSE[type] === undefined) throw new ProtocolError('bad_type', `unknown Socket.IO packet type ${String(type)}`);
  if (isBinaryType(type)) throw new ProtocolError('binary_unsupported', `${SOCKET_PACKET_TYPES_REVERSE[type]} is not supported`);
  if (!isValidNamespace(nsp)) throw new ProtocolError('bad_namespace', `expected a namespace like '/' or '/name' without ',', got ${JSON.stringify(nsp)}`);
  if (id !== undefined && !isValidAckId(id)) throw new ProtocolError('bad_ack_id', `expected a non-negative safe integer, got ${String(id)}`);
  if (type === SOCKET_PACKET_TYPES.ACK && id === undefined) throw new ProtocolError('bad_ack_id', 'ACK without an id');
  if (!isPayloadValid(type, data)) throw payloadError(type, data);
  let out = String(type);
  if (nsp !== '/') out += nsp + ',';
  if (id !== undefined) out += String(id);
  if (data !== undefined) {
    let json: string;
    try {
      json = JSON.stringify(data, refuseBinary);
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError('bad_json', `payload cannot be serialised: ${(err as Error).message}`);
    }
    out += json;
  }
  return out;
}

const MAX_ACK_ID_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads the Engine.IO message body as a Socket.IO packet. Throws ProtocolError only.
 * `maxLength` (UTF-16 units) is a guard for callers that did not bound the frame already.
 */
export function decodeSocketPacket(str: string, maxLength: number = Infinity): SocketPacket {
  if (typeof str !== 'string') throw new ProtocolError('not_text', 'Socket.IO packet must be a string');
  if (str.length === 0) throw new ProtocolError('empty', 'empty Socket.IO packet');
  if (str.length > maxLength) throw new ProtocolError('too_large', `packet longer than ${maxLength}`);
  const typeCode = str.charCodeAt(0) - 48;
  if (typeCode < 0 || typeCode > 9 || SOCKET_PACKET_TYPES_REVERSE[typeCode] === undefined) {
    throw new ProtocolError('bad_type', `unknown Socket.IO packet type ${JSON.stringify(str.charAt(0))}`);
  }
  const type = typeCode as SocketPacketType;
  if (isBinaryType(type)) throw new ProtocolError('binary_unsupported', `${SOCKET_PACKET_TYPES_REVERSE[type]} is not supported`);

  let i = 1;
  let nsp = '/';
  if (str.charAt(i) === '/') {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? str.length : comma;
    nsp = str.substring(i, end);
    i = comma === -1 ? end : end + 1;
  }

  let id: number | undefined;
  const idStart = i;
  while (i < str.length && isDigit(str.charCodeAt(i))) i++;
  if (i > idStart) {
    if (i - idStart > MAX_ACK_ID_DIGITS) throw new ProtocolError('bad_ack_id', 'ack id too long');
    id = Number(str.substring(idStart, i));
    if (!isValidAckId(id)) throw new ProtocolError('bad_ack_id', 'ack id beyond a safe integer');
  }
  if (type === SOCKET_PACKET_TYPES.ACK && id === undefined) throw new ProtocolError('bad_ack_id', 'ACK without an id');

  let data: unknown;
  if (i < str.length) {
    try {
      data = JSON.parse(str.substring(i));
    } catch {
      throw new ProtocolError('bad_json', 'payload is not JSON');
    }
  }
  if (!isPayloadValid(type, data)) throw payloadError(type, data);
  const packet: SocketPacket = { type, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id;
  return packet;
}

/**
 * The event name of an EVENT packet, read without parsing its JSON, so frames
 * for events nobody listens to can be dropped cheaply. Returns undefined
 * whenever it cannot tell simply (escapes in the name, not an EVENT, ...);
 * callers then fall back to a full decode. `offset` skips a prefix (the
 * Engine.IO `4`) without copying the frame.
 */
export function peekEvent(str: string, offset = 0): { nsp: string; event: string } | undefined {
  if (str.charCodeAt(offset) !== 50 /* '2' */) return undefined;
  let i = offset + 1;
  let nsp = '/';
  if (str.charAt(i) === '/') {
    const comma = str.indexOf(',', i);
    if (comma === -1) return undefined;
    nsp = str.substring(i, comma);
    i = comma + 1;
  }
  while (i < str.length && isDigit(str.charCodeAt(i))) i++;
  if (str.charAt(i) !== '[' || str.charAt(i + 1) !== '"') return undefined;
  const start = i + 2;
  const end = str.indexOf('"', start);
  if (end === -1) return undefined;
  const event = str.substring(start, end);
  if (event.indexOf('\\') !== -1) return undefined;
  return { nsp, event };
}

// ---------------------------------------------------------------- frames

export type DecodedFrame =
  | { kind: 'engine'; packet: EnginePacket } // any Engine.IO packet but `message`
  | { kind: 'socket'; packet: SocketPacket } // an Engine.IO `message` carrying Socket.IO
  | { kind: 'error'; error: ProtocolError };

/** One websocket frame to a packet or an error value. Never throws. */
export function decodeFrame(frame: unknown, maxPayload: number = DEFAULT_MAX_PAYLOAD): DecodedFrame {
  const engine = decodeEnginePacket(frame, maxPayload);
  if (engine.type === 'error') return { kind: 'error', error: new ProtocolError(engine.code, engine.data) };
  if (engine.type !== 'message') return { kind: 'engine', packet: engine };
  try {
    return { kind: 'socket', packet: decodeSocketPacket(engine.data === undefined ? '' : engine.data) };
  } catch (err) {
    if (err instanceof ProtocolError) return { kind: 'error', error: err };
    // Unreachable by the policy above; kept so decodeFrame's own promise holds regardless.
    return { kind: 'error', error: new ProtocolError('bad_payload', String(err)) };
  }
}

/** A Socket.IO packet as the full websocket frame (`4` + packet). */
export function encodeSocketFrame(packet: SocketPacket): string {
  return ENGINE_PACKET_TYPES.message + encodeSocketPacket(packet);
}
