import { Floor, type FloorConfig } from './floor.ts';

/**
 * The floor's process (src/bench/floor.ts), forked by src/bench/floor-step.ts with its FloorConfig as
 * JSON in argv. Over IPC: 'ready' once set up and warmed up; on 'go' the counted orders, then
 * { type: 'done', seconds }; on 'end' it closes its connections and leaves the IPC channel, and so ends.
 */
export type FloorMessage = { type: 'ready' } | { type: 'done'; seconds: number };

/** The parent's next message of `type`; rejects if the parent goes away first. */
function nextMessage(type: 'go' | 'end'): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      process.off('message', onMessage).off('disconnect', onDisconnect);
      fn();
    };
    const onMessage = (m: { type?: string }) => m.type === type && settle(resolve);
    const onDisconnect = () => settle(() => reject(new Error(`the bench went away before '${type}'`)));
    process.on('message', onMessage).on('disconnect', onDisconnect);
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as FloorConfig;
  const send = (m: FloorMessage) => process.send!(m);
  const floor = await Floor.open(config);
  try {
    await floor.run(config.warmupOrders);
    const go = nextMessage('go');
    send({ type: 'ready' });
    await go;
    const started = performance.now();
    await floor.run(config.orders);
    const end = nextMessage('end');
    send({ type: 'done', seconds: (performance.now() - started) / 1000 });
    await end;
  } finally {
    await floor.close();
  }
}

main()
  .catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exitCode = 1;
  })
  .finally(() => process.connected && process.disconnect());
