/** Small parsers shared by flags, environment variables and request bodies. Each throws a plain message. */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "250ms", "30s", "1.5m", "2h", "7d"; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a duration (e.g. 500ms, 30s, 2m)`);
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/**
 * A point in time: an ISO 8601 time (`2026-01-01T12:00:00Z`, `2026-01-01`), or a duration with its unit back
 * from `now` (`2h`: two hours ago). Returns the instant; throws a plain message otherwise.
 */
export function parseTimeOrAgo(text: string, now: number): Date {
  const t = text.trim();
  // A bare number is no duration here: `2026` is more likely a year than 2 s.
  if (DURATION.test(t) && !/^[\d.]+$/.test(t)) return new Date(now - parseDuration(t));
  const at = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(at)) throw new Error(`'${text}' is neither an ISO time (2026-01-01T12:00:00Z) nor a duration back from now (2h, 1d)`);
  return new Date(at);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function parseInteger(text: string, { min = -Infinity, max = Infinity } = {}): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`'${text}' is not a whole number`);
  const n = Number(text);
  if (n < min) throw new Error(`${n} is below the minimum ${min}`);
  if (n > max) throw new Error(`${n} is above the maximum ${max}`);
  return n;
}

export function parseFraction(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`'${text}' is not a number between 0 and 1`);
  return n;
}

/** "host:port,host:port" → ["host:port", …]. */
export function parseBrokers(text: string): string[] {
  const brokers = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new Error('expected host:port[,host:port…]');
  for (const b of brokers) {
    const match = /^([^:\s/]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(b);
    if (!match || Number(match[2]) > 65535) throw new Error(`'${b}' is not host:port`);
  }
  return brokers;
}

export function parseUrl(text: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`'${text}' is not a URL`);
  }
  if (!protocols.includes(url.protocol)) throw new Error(`'${text}' must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return text;
}

/** `redis://` or `rediss://` for one server; `redis+cluster://host:port[,host:port…]` (or `rediss+cluster://`) for a Redis Cluster's seed nodes. */
export function parseRedisUrl(text: string): string {
  const cluster = /^rediss?\+cluster:\/\/(?:[^@/]*@)?([^/?#]*)\/?$/i.exec(text);
  if (cluster) {
    if (cluster[1]!.split(',').some((h) => !/^(\[[^\]]+\]|[^:,[\]]+)(:\d+)?$/.test(h)))
      throw new Error(`'${text.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@')}' is not redis+cluster://host:port[,host:port…]`);
    return text;
  }
  return parseUrl(text, ['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:']);
}
