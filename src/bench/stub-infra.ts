import type { ChildProcess } from 'node:child_process';
import type { LoadInfra } from '../loadgen/run-load.ts';
import type { SagaOutcome } from '../loadgen/tracker.ts';

/** How often the stub order API reports the ids it created: the stub saga's whole latency. */
export const STUB_OUTCOME_EVERY_MS = 5;

/** What the stub order API reports over IPC. */
export type StubMessage = { type: 'listening'; port: number } | { type: 'outcomes'; ids: string[] };

/**
 * The generator's infrastructure for --generator-only: no Kafka, no Redis; each id the stub order
 * API created comes back as a CONFIRMED outcome, so the tracker runs its whole path per order.
 */
export function stubLoadInfra(stub: ChildProcess): LoadInfra {
  return {
    seed: async () => {},
    followOutcomes: async (onOutcome: (orderId: string, outcome: SagaOutcome) => void) => {
      const listener = (m: StubMessage) => {
        if (m.type === 'outcomes') for (const id of m.ids) onOutcome(id, 'CONFIRMED');
      };
      stub.on('message', listener);
      return async () => {
        stub.off('message', listener);
      };
    },
    lag: async () => [],
    close: async () => {},
  };
}
