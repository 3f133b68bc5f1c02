import { KafkaJSGroupCoordinatorNotFound, KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isBrokerAway } from '../../../src/infra/kafka.ts';

// kafkajs gives up on a consumer with these when no broker answers, and does not restart it itself: the
// bus rejoins on them instead of exiting (the outage test caught a worker exiting on the first).
// Its declared constructor takes no message, though the class is thrown with one.
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;

describe('a consumer crash that only says the brokers were away', () => {
  it('is the group coordinator not found, or a connection error however deeply wrapped', () => {
    expect(isBrokerAway(new CoordinatorNotFound('Failed to find group coordinator'))).toBe(true);
    expect(isBrokerAway(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'))).toBe(true);
    const wrapped = new KafkaJSNonRetriableError(new KafkaJSConnectionError('Connection timeout'));
    expect(isBrokerAway(wrapped)).toBe(true);
  });

  it('is not a refusal that waiting will not change', () => {
    expect(isBrokerAway(new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running'))).toBe(false);
    expect(isBrokerAway(new KafkaJSProtocolError('Not authorized to access group'))).toBe(false);
    expect(isBrokerAway(new Error('handler threw'))).toBe(false);
  });
});
