import type { CommandName } from './command-specs.ts';
import type { Invocation } from './invocation.ts';
import type { Output } from './output.ts';

/** Runs a command; resolves to its exit code (errors are mapped to codes by the entry point). */
export type Runner = (invocation: Invocation, out: Output) => Promise<number>;

/**
 * How each command of the table runs: its options parsed from the invocation, its real adapters from
 * src/wiring. Modules load only when their command runs, so `doms --help` and quick commands start fast.
 */
export const RUNNERS: Record<CommandName, Runner> = {
  run: async (inv, out) => {
    const [{ run, runOptions }, { runDeps }] = await Promise.all([import('../commands/run.ts'), import('../wiring/command-deps.ts')]);
    return run(runOptions(inv), runDeps(out));
  },
  'order place': async (inv, out) => {
    const [{ orderPlace, orderPlaceOptions }, { orderDeps }] = await Promise.all([import('../commands/order-place.ts'), import('../wiring/command-deps.ts')]);
    return orderPlace(orderPlaceOptions(inv), orderDeps(out));
  },
  'order get': async (inv, out) => {
    const [{ orderGet, orderGetOptions }, { orderDeps }] = await Promise.all([import('../commands/order-get.ts'), import('../wiring/command-deps.ts')]);
    return orderGet(orderGetOptions(inv), orderDeps(out));
  },
  orders: async (inv, out) => {
    const [{ orders, ordersOptions }, { orderDeps }] = await Promise.all([import('../commands/orders.ts'), import('../wiring/command-deps.ts')]);
    return orders(ordersOptions(inv), orderDeps(out));
  },
  'stock seed': async (inv, out) => {
    const [{ stockSeed, stockSeedOptions }, { stockDeps }] = await Promise.all([import('../commands/stock.ts'), import('../wiring/command-deps.ts')]);
    return stockSeed(stockSeedOptions(inv), stockDeps(out));
  },
  'stock get': async (inv, out) => {
    const [{ stockGet, stockGetOptions }, { stockDeps }] = await Promise.all([import('../commands/stock.ts'), import('../wiring/command-deps.ts')]);
    return stockGet(stockGetOptions(inv), stockDeps(out));
  },
  tail: async (inv, out) => {
    const [{ tail, tailOptions }, { tailDeps }] = await Promise.all([import('../commands/tail.ts'), import('../wiring/kafka-tools.ts')]);
    return tail(tailOptions(inv), tailDeps(out));
  },
  dlq: async (inv, out) => {
    const [{ dlq, dlqOptions }, { dlqDeps }] = await Promise.all([import('../commands/dlq.ts'), import('../wiring/kafka-tools.ts')]);
    return dlq(dlqOptions(inv), dlqDeps(out));
  },
  verify: async (inv, out) => {
    const [{ verify, verifyOptions }, { inspectDeps }] = await Promise.all([import('../commands/verify.ts'), import('../wiring/command-deps.ts')]);
    return verify(verifyOptions(inv), inspectDeps(out));
  },
  status: async (inv, out) => {
    const [{ status, statusOptions }, { statusDeps }] = await Promise.all([import('../commands/status.ts'), import('../wiring/command-deps.ts')]);
    return status(statusOptions(inv), statusDeps(out));
  },
  load: async (inv, out) => {
    const [{ load, loadOptions }, { loadDeps }] = await Promise.all([import('../commands/load.ts'), import('../wiring/load-deps.ts')]);
    return load(loadOptions(inv), loadDeps(out));
  },
  smoke: async (inv, out) => {
    const [{ smoke, smokeOptions }, { smokeDeps }] = await Promise.all([import('../commands/smoke.ts'), import('../wiring/load-deps.ts')]);
    return smoke(smokeOptions(inv), smokeDeps(out));
  },
  demo: async (inv, out) => {
    const [{ demo, demoOptions }, { demoDeps }] = await Promise.all([import('../commands/demo.ts'), import('../wiring/load-deps.ts')]);
    return demo(demoOptions(inv), demoDeps(out));
  },
};
