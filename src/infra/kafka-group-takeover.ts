import type { Kafka } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import type { Logger } from './log.ts';

/**
 * Starts `groupId` where `fromGroupId` left off on `topics`, if `groupId` has committed nothing on
 * them yet: how topics move from one consumer group to a new one without reading them again from the
 * beginning (a new group's default) or skipping what came meanwhile. The old group's last commit is
 * at most a commit interval old, so a few events are handled twice, which idempotent handlers absorb.
 * Done once, by whichever instance of the new group starts first; Kafka refuses to move the offsets
 * of a group that already has members, and then the group is running and owns its offsets anyway.
 */
export async function takeOverOffsets(kafka: Kafka, groupId: string, fromGroupId: string, topics: readonly string[], log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const own = await admin.fetchOffsets({ groupId, topics: [...topics] });
    if (own.some((t) => t.partitions.some((p) => Number(p.offset) >= 0))) return;
    const previous = await admin.fetchOffsets({ groupId: fromGroupId, topics: [...topics] });
    let moved = 0;
    for (const { topic, partitions } of previous) {
      const committed = partitions.filter((p) => Number(p.offset) >= 0).map(({ partition, offset }) => ({ partition, offset }));
      if (committed.length === 0) continue;
      await admin.setOffsets({ groupId, topic, partitions: committed });
      moved += committed.length;
    }
    if (moved > 0) log.info('consumer group starts where its predecessor left off', { group: groupId, from: fromGroupId, partitions: moved });
  } catch (e: unknown) {
    log.debug('offsets not taken over: the group is already running', { group: groupId, error: errorMessage(e) });
  } finally {
    await admin.disconnect();
  }
}
