import { silentLogger } from '../../src/infra/log.ts';
import { TRACE_TIMING, traceOrder } from '../../src/saga/trace/collect.ts';
import { SERVICE_NAMES, startServices } from '../../src/services/registry.ts';
import type { RunningService } from '../../src/services/service.ts';
import { createEmbedded, type Embedded } from '../../src/wiring/embedded.ts';
import { embeddedTraceSources } from '../../src/wiring/embedded-trace.ts';

export interface EmbeddedSaga {
  embedded: Embedded;
  /** http://127.0.0.1:<port> of its order API. */
  base: string;
  /** Stops the services, newest first, and the stand-ins. */
  stop(): Promise<void>;
}

/** The saga as `doms demo` runs it: the four services on the embedded stand-ins, with GET /orders/<id>/trace, every payment succeeding. */
export async function startEmbeddedSaga({ latencyMs }: { latencyMs: number }): Promise<EmbeddedSaga> {
  const embedded = await createEmbedded(silentLogger);
  const sources = embeddedTraceSources(embedded);
  let services: RunningService[] = [];
  try {
    services = await startServices(SERVICE_NAMES, embedded, {
      port: 0,
      host: '127.0.0.1',
      defaultStock: null,
      failureRate: 0,
      latencyMs,
      traceOrder: (id) => traceOrder(sources, id, { ...TRACE_TIMING, ledgerTtlMs: 0 }),
    });
  } catch (e: unknown) {
    await embedded.close();
    throw e;
  }
  return {
    embedded,
    base: `http://127.0.0.1:${services.find((s) => s.name === 'order')!.port}`,
    stop: async () => {
      for (const s of [...services].reverse()) await s.stop().catch(() => {});
      await embedded.close();
    },
  };
}
