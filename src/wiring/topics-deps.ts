import { connectAdmin } from '../infra/kafka.ts';
import { addPartitions, describeSagaTopics } from '../infra/kafka-topics.ts';
import { errorsOnly, kafkaClient } from './connections.ts';

/** `doms topics` and `doms topics grow` on Kafka: the admin client, through infra/kafka-topics.ts. */
export function topicsAdapters(note: (line: string) => void) {
  return {
    connect: async (brokers: string[], topicPrefix: string) => {
      const admin = await connectAdmin(kafkaClient(brokers, 'doms-topics', errorsOnly('topics', note)), brokers);
      return {
        describe: () => describeSagaTopics(admin, topicPrefix),
        addPartitions: (grow: { topic: string; count: number }[]) => addPartitions(admin, grow),
        close: () => admin.disconnect(),
      };
    },
  };
}
