import { describe, expect, it } from 'vitest';
import { clampSession, heartbeatIntervalFor, sessionBounds } from '../../../src/infra/kafka-session.ts';

describe('the consumers session timeout', () => {
  it('reads the bounds a broker lists, or none when it lists neither', () => {
    const entries = [
      { configName: 'group.min.session.timeout.ms', configValue: '1000' },
      { configName: 'group.max.session.timeout.ms', configValue: '1800000' },
    ];
    expect(sessionBounds(entries)).toEqual({ min: 1000, max: 1_800_000 });
    expect(sessionBounds([])).toBeUndefined();
    expect(sessionBounds([{ configName: 'group.min.session.timeout.ms', configValue: null }, entries[1]!])).toBeUndefined();
  });

  it('asks for what was wanted when the broker allows it, else the nearest bound', () => {
    expect(clampSession(3_000, { min: 1_000, max: 1_800_000 })).toBe(3_000);
    // A stock broker refuses a join under 6 s: the consumer would crash on INVALID_SESSION_TIMEOUT.
    expect(clampSession(3_000, { min: 6_000, max: 1_800_000 })).toBe(6_000);
    expect(clampSession(60_000, { min: 6_000, max: 30_000 })).toBe(30_000);
  });

  it('heartbeats three times a session, at most once a second', () => {
    expect(heartbeatIntervalFor(3_000)).toBe(1_000);
    expect(heartbeatIntervalFor(1_500)).toBe(500);
    expect(heartbeatIntervalFor(10_000)).toBe(1_000);
  });
});
