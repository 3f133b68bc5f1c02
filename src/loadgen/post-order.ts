import type { Dispatcher } from 'undici';

const HEADERS = ['content-type', 'application/json'];

/** How one POST /orders ended: the HTTP status with the body's text, or the error that stopped it. */
export interface PostAnswer {
  onAnswer(statusCode: number, body: string): void;
  onError(error: Error): void;
}

/**
 * Sends one POST /orders on the pool through undici's low-level dispatch API: the same request as
 * `pool.request()`, without the body stream and promises that one creates per request, which at
 * tens of thousands of requests a second were a large part of the generator's CPU and garbage.
 * The pool's headersTimeout and bodyTimeout apply as with request().
 */
export function postOrder(pool: Dispatcher, body: string, answer: PostAnswer): void {
  let status = 0;
  let chunks: Buffer[] | undefined;
  let settled = false;
  const fail = (e: Error) => {
    if (settled) return;
    settled = true;
    answer.onError(e);
  };
  try {
    pool.dispatch(
      { path: '/orders', method: 'POST', headers: HEADERS, body },
      {
        onConnect() {},
        onHeaders(statusCode) {
          // 1xx answers come before the final one; only the last status counts.
          status = statusCode;
          chunks = undefined;
          return true;
        },
        onData(chunk) {
          (chunks ??= []).push(chunk);
          return true;
        },
        onComplete() {
          if (settled) return;
          settled = true;
          const text = chunks === undefined ? '' : chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          answer.onAnswer(status, text);
        },
        onError: fail,
      },
    );
  } catch (e: unknown) {
    // undici reports its own failures through onError; this is for anything thrown past it.
    fail(e instanceof Error ? e : new Error(String(e)));
  }
}
