import { silentLogger } from '../../../src/infra/log.ts';
import { createEmbedded } from '../../../src/wiring/embedded.ts';
import { sagaContract } from '../../contract/saga.contract.ts';

// The embedded adapters of `doms demo`: in-process bus, in-memory stock and ledgers, PGlite.
sagaContract('embedded', async () => {
  const e = await createEmbedded(silentLogger);
  return {
    adapters: e,
    keysOn: async (topic) => e.bus.messages(topic).map((m) => m.key?.toString() ?? ''),
    close: () => e.close(),
  };
});
