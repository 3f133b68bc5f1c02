import { Pool } from 'undici';
import { Latency, type LatencySummary } from '../loadgen/latency.ts';
import type { OrderMix } from '../loadgen/order-mix.ts';
import { postOrder } from '../loadgen/post-order.ts';

export interface ClosedLoopResult {
  connections: number;
  seconds: number;
  requests: number;
  /** Answered 2xx (200 today). */
  ok: number;
  errors: number;
  perSecond: number;
  httpMs: LatencySummary;
  errorSamples: Record<string, number>;
}

/**
 * The order API's POST throughput with the whole saga running behind it: each connection sends
 * the next order as soon as the last one is answered (closed loop), so this is the most the API
 * takes, not a rate it can sustain end to end.
 */
export async function runClosedLoop(options: {
  target: string;
  connections: number;
  durationMs: number;
  mix: OrderMix;
  signal?: AbortSignal;
}): Promise<ClosedLoopResult> {
  const { connections, durationMs, mix, signal } = options;
  const pool = new Pool(options.target, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const latency = new Latency();
  const errorSamples = new Map<string, number>();
  let ok = 0;
  let errors = 0;
  const post = (body: string) =>
    new Promise<string | undefined>((resolve) =>
      postOrder(pool, body, {
        onAnswer: (status) => resolve(status >= 200 && status < 300 ? undefined : `HTTP ${status}`),
        onError: (e) => resolve(e.message),
      }),
    );
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end && !signal?.aborted) {
      const body = mix.nextJson();
      const sentAt = performance.now();
      const failure = await post(body);
      latency.record(performance.now() - sentAt);
      if (failure === undefined) ok++;
      else {
        errors++;
        errorSamples.set(failure, (errorSamples.get(failure) ?? 0) + 1);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const requests = ok + errors;
  return {
    connections,
    seconds: Math.round(seconds * 10) / 10,
    requests,
    ok,
    errors,
    perSecond: Math.round(requests / seconds),
    httpMs: latency.summary(),
    errorSamples: Object.fromEntries(errorSamples),
  };
}
