import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionFilter, isOwnAdmission } from './admission.ts';

const EVENT = '3f2b6c1e-8d4a-4e1f-9b7c-2a5d6e8f0a1b';

describe('own admission in a room broadcast', () => {
  it('is mine only with my id and my event (or no event)', () => {
    assert.equal(isOwnAdmission({ userId: 'u7', eventId: EVENT }, 'u7', EVENT), true);
    assert.equal(isOwnAdmission({ userId: 'u7' }, 'u7', EVENT), true);
    assert.equal(isOwnAdmission({ userId: 7, eventId: EVENT }, '7', EVENT), true, 'numeric ids compare as strings');
    assert.equal(isOwnAdmission({ userId: 'u70', eventId: EVENT }, 'u7', EVENT), false);
    assert.equal(isOwnAdmission({ userId: 'u7', eventId: 'another' }, 'u7', EVENT), false);
    for (const bad of [null, undefined, 'u7', 7, []]) assert.equal(isOwnAdmission(bad, 'u7', EVENT), false);
  });

  it('pre-filters on the id as JSON writes it', () => {
    const plain = 'a1b2';
    const f = admissionFilter(plain)!;
    assert.equal(f['queue-entry-allowed'], plain);
    const frame = `42["queue-entry-allowed",${JSON.stringify({ eventId: EVENT, userId: plain })}]`;
    assert.ok(frame.includes(f['queue-entry-allowed']!));
    const odd = 'x"y\\z';
    const g = admissionFilter(odd)!;
    assert.equal(g['queue-entry-allowed'], 'x\\"y\\\\z');
    assert.ok(JSON.stringify({ userId: odd }).includes(g['queue-entry-allowed']!), 'an escaped id is looked for escaped');
    assert.equal(admissionFilter(''), undefined, 'nothing to look for: no pre-filter');
  });
});
