import { sagaContract } from '../contract/saga.contract.ts';
import { testEnv } from '../helpers/env.ts';
import { realHarness } from '../helpers/saga-harness.ts';

// The same behaviour tests as the embedded adapters (test/unit/saga-embedded.test.ts), on Kafka, Redis and
// PostgreSQL. test/integration/redis-cluster.test.ts runs them on a Redis Cluster.
sagaContract('Kafka, Redis and PostgreSQL', () => realHarness(testEnv.redisUrl));
