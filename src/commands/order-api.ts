import type { Output } from './output.ts';
import { ExitError, UsageError } from '../errors.ts';
import { ApiError, type OrderApi } from '../wiring/order-client.ts';

/** What the order commands (`order place`, `order get`, `orders`) need: somewhere to print and the order API. */
export interface OrderCommandDeps {
  out: Output;
  orderApi(target: string): OrderApi;
  /** Pauses `order place --wait` when a long-poll came back at once with nothing new (a test passes one that does not wait). */
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** Maps the API's answers to the CLI's exit codes: input the service rejected is 2, an unknown order 1. */
export async function withApiErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e: unknown) {
    if (e instanceof ApiError && e.status === 400) throw new UsageError(`rejected by the order service: ${e.message}`);
    if (e instanceof ApiError && e.status === 404) throw new ExitError(1, e.message);
    throw e;
  }
}
