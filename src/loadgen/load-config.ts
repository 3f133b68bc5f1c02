import { defaultRedisNamespace } from '../config/settings.ts';
import type { Range } from './order-mix.ts';
import type { Threshold } from './thresholds.ts';

export interface LoadConfig {
  target: string;
  brokers: string[];
  redisUrl: string;
  topicPrefix: string;
  /** Where the saga's stock is in Redis (DOMS_REDIS_NAMESPACE; by default it follows the topic prefix). */
  redisNamespace: string;
  rate: number;
  durationMs: number;
  rampUpMs: number;
  warmupMs: number;
  users: number;
  products: number;
  items: Range;
  quantity: Range;
  /** Units seeded per product before the run; null: --no-seed. */
  stock: number | null;
  seed: string;
  timeoutMs: number;
  maxInFlight: number;
  connections: number;
  thresholds: Threshold[];
}

/**
 * The load generator's defaults: the one place they are written. `doms load` shows them as its flags'
 * defaults (src/commands/load.ts), and demo, smoke and the bench get them through loadConfig.
 */
export const LOAD_DEFAULTS = {
  rampUpMs: 0,
  warmupMs: 0,
  users: 1000,
  products: 100,
  items: { min: 1, max: 3 },
  quantity: { min: 1, max: 2 },
  stock: 1_000_000,
  timeoutMs: 30_000,
  maxInFlight: Infinity,
  connections: 64,
} as const satisfies Partial<LoadConfig>;

/** The defaults, for callers that set only what differs (demo, smoke, bench). */
export function loadConfig(config: Pick<LoadConfig, 'target' | 'rate' | 'durationMs'> & Partial<LoadConfig>): LoadConfig {
  return {
    brokers: [],
    redisUrl: '',
    topicPrefix: '',
    redisNamespace: defaultRedisNamespace(config.topicPrefix ?? ''),
    ...LOAD_DEFAULTS,
    items: { ...LOAD_DEFAULTS.items },
    quantity: { ...LOAD_DEFAULTS.quantity },
    seed: String(Date.now()),
    thresholds: [],
    ...config,
  };
}
