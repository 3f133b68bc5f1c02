import type { Kafka } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import type { Logger } from './log.ts';

/** kafkajs's ConfigResourceTypes.BROKER (a const enum its CommonJS build does not export by name). */
const BROKER_RESOURCE = 4;

/** Kafka's default group.min.session.timeout.ms, assumed when the broker will not say. */
const STOCK_BROKER_MINIMUM_MS = 6_000;

/** The session bounds a broker allows (group.min/max.session.timeout.ms), from the names and values it lists. */
export function sessionBounds(entries: readonly { configName: string; configValue: string | null }[]): { min: number; max: number } | undefined {
  const value = (name: string) => {
    const text = entries.find((e) => e.configName === name)?.configValue;
    return text === null || text === undefined || text === '' ? NaN : Number(text);
  };
  const [min, max] = [value('group.min.session.timeout.ms'), value('group.max.session.timeout.ms')];
  return Number.isFinite(min) && Number.isFinite(max) ? { min, max } : undefined;
}

/** The wanted session timeout, within what the broker allows (a join outside it is refused). */
export function clampSession(wantedMs: number, bounds: { min: number; max: number }): number {
  return Math.min(Math.max(wantedMs, bounds.min), bounds.max);
}

/** A heartbeat every third of the session, at most every second: three can be missed before the session ends. */
export function heartbeatIntervalFor(sessionTimeoutMs: number): number {
  return Math.min(1_000, Math.floor(sessionTimeoutMs / 3));
}

/**
 * The session timeout this process's consumers can use: `wantedMs`, raised to the broker's minimum
 * (a stock broker's is 6 s, ours 1 s) or lowered to its maximum. Asked once per process; a broker
 * that will not say (no DescribeConfigs permission) is assumed to be a stock one.
 */
export async function groupSessionTimeout(kafka: Kafka, wantedMs: number, log: Logger): Promise<number> {
  let bounds: { min: number; max: number } | undefined;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: BROKER_RESOURCE, name: String(brokers[0]!.nodeId), configNames: ['group.min.session.timeout.ms', 'group.max.session.timeout.ms'] }],
    });
    bounds = sessionBounds(resources[0]?.configEntries ?? []);
  } catch (e: unknown) {
    log.debug('the broker did not say its session bounds; assuming a stock broker', { error: errorMessage(e) });
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const used = clampSession(wantedMs, bounds ?? { min: STOCK_BROKER_MINIMUM_MS, max: 1_800_000 });
  if (used !== wantedMs)
    log.info(
      `consumer session timeout ${used} ms, not ${wantedMs}: the broker allows ${bounds ? `${bounds.min}–${bounds.max}` : 'no less than 6000 (assumed)'} ms`,
      {
        hint: 'group.min.session.timeout.ms on the broker',
      },
    );
  return used;
}
