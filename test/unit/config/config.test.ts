import { describe, expect, it } from 'vitest';
import { parseBrokers, parseDuration, parseFraction, parseInteger, parseTimeOrAgo, parseUrl } from '../../../src/config/parse.ts';

describe('configuration parsing', () => {
  it('reads durations with units, a bare number being milliseconds', () => {
    expect(parseDuration('20ms')).toBe(20);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('reads a point in time as an ISO time or as a duration back from now, never a bare number', () => {
    const now = Date.parse('2026-01-02T12:00:00Z');
    expect(parseTimeOrAgo('2h', now)).toEqual(new Date('2026-01-02T10:00:00Z'));
    expect(parseTimeOrAgo('1d', now)).toEqual(new Date('2026-01-01T12:00:00Z'));
    expect(parseTimeOrAgo('2026-01-01T09:30:00Z', now)).toEqual(new Date('2026-01-01T09:30:00Z'));
    expect(parseTimeOrAgo('2026-01-01T09:30:00+02:00', now)).toEqual(new Date('2026-01-01T07:30:00Z'));
    expect(() => parseTimeOrAgo('2026', now)).toThrow(/neither an ISO time .* nor a duration/);
    expect(() => parseTimeOrAgo('yesterday', now)).toThrow(/neither an ISO time/);
    expect(() => parseTimeOrAgo('2026-13-45', now)).toThrow(/neither an ISO time/);
  });

  it('reads a broker list and rejects entries without a port', () => {
    expect(parseBrokers('a:9092, b:9093')).toEqual(['a:9092', 'b:9093']);
    expect(() => parseBrokers('localhost')).toThrow(/not host:port/);
    expect(() => parseBrokers('')).toThrow();
  });

  it('checks URL schemes and number ranges', () => {
    expect(() => parseUrl('http://x', ['redis:'])).toThrow(/redis:\/\//);
    expect(() => parseInteger('1.5')).toThrow(/whole number/);
    expect(() => parseInteger('0', { min: 1 })).toThrow(/minimum/);
    expect(() => parseFraction('1.2')).toThrow(/between 0 and 1/);
    expect(parseFraction('0.25')).toBe(0.25);
  });
});
