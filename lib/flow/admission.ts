// Telling a user's own admission from the room's: queue-entry-allowed goes to
// every socket in the event's room, one frame per admitted user (the contract,
// shared/spec/queue-contract.md). Used by the flow and by the bench that
// measures it. Imports nothing from k6.

/** Payload of queue-entry-allowed: sent to the whole room, one per admitted user. */
export function isOwnAdmission(payload: unknown, me: string, eventId: string): boolean {
  if (payload === null || typeof payload !== 'object') return false;
  const p = payload as { userId?: unknown; eventId?: unknown };
  return String(p.userId) === me && (p.eventId === undefined || p.eventId === eventId);
}

/**
 * The room hears one queue-entry-allowed per admitted user: with thousands
 * waiting that is millions of frames, nearly all for someone else. A frame that
 * does not contain this user's id (as JSON encodes it) cannot be its admission,
 * so the client drops it before JSON.parse; isOwnAdmission still decides.
 */
export function admissionFilter(me: string): Record<string, string> | undefined {
  const quoted = JSON.stringify(me);
  // Most ids need no escaping: then the id itself is the needle (no second string per user).
  const needle = quoted.length === me.length + 2 ? me : quoted.slice(1, -1);
  return needle === '' ? undefined : { 'queue-entry-allowed': needle };
}
