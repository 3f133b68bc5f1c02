import { topicName } from '../events/topics.ts';
import { groupIdFor } from '../infra/bus.ts';
import { groupLag, sharedEnds, type OffsetsReader } from '../infra/group-lag.ts';
import { SERVICE_TOPICS } from '../services/registry.ts';

export interface GroupLag {
  service: string;
  /** Messages on its topics not yet committed by the group. */
  lag: number;
}

/** Consumer lag of each service's group, from the Kafka admin API. */
export async function serviceLag(reader: OffsetsReader, prefix: string): Promise<GroupLag[]> {
  const endsOf = sharedEnds(reader);
  return Promise.all(
    Object.entries(SERVICE_TOPICS).map(async ([service, topics]) => {
      const partitions = await groupLag(
        reader,
        groupIdFor(service, prefix),
        topics.map((t) => topicName(t, prefix)),
        endsOf,
      );
      return { service, lag: partitions.reduce((sum, p) => sum + p.lag, 0) };
    }),
  );
}
