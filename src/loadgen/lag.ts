import { topicName } from '../events/topics.ts';
import { groupIdFor } from '../infra/bus.ts';
import { groupLag, sharedEnds, type OffsetsReader } from '../infra/group-lag.ts';
import { SERVICE_GROUPS } from '../services/registry.ts';

export interface GroupLag {
  service: string;
  /** Messages on its topics not yet committed by the group. */
  lag: number;
}

/** Consumer lag of each service (all its groups), from the Kafka admin API. */
export async function serviceLag(reader: OffsetsReader, prefix: string): Promise<GroupLag[]> {
  const endsOf = sharedEnds(reader);
  const lags = await Promise.all(
    SERVICE_GROUPS.map(async ({ service, group, topics }) => {
      const partitions = await groupLag(
        reader,
        groupIdFor(group, prefix),
        topics.map((t) => topicName(t, prefix)),
        endsOf,
      );
      return { service, lag: partitions.reduce((sum, p) => sum + p.lag, 0) };
    }),
  );
  return sumByService(lags);
}

/** One entry per service, in the registry's order, its groups' lags added up. */
export function sumByService(lags: readonly GroupLag[]): GroupLag[] {
  const total = new Map<string, number>();
  for (const { service, lag } of lags) total.set(service, (total.get(service) ?? 0) + lag);
  return [...total].map(([service, lag]) => ({ service, lag }));
}
