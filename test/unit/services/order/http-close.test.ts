import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/infra/log.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import { createOrderApi, listen } from '../../../../src/services/order/http.ts';
import { SqlOrderStore } from '../../../../src/services/order/order-store.ts';
import { ORDER_DB_TIMEOUT, orderDb } from '../../../helpers/pglite.ts';

/** GET /health on the agent's one connection: the answer's Connection header, or the error. */
function health(agent: Agent, port: number): Promise<{ connection: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ connection: res.headers.connection }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

describe('order HTTP API: stopping', () => {
  let db: PgliteDb | undefined;
  afterAll(() => db?.end());

  it(
    'closes while a keep-alive client goes on sending on its connection: the answers after close say Connection: close',
    async () => {
      db = await orderDb();
      const server = createOrderApi(new SqlOrderStore(db), silentLogger);
      const port = await listen(server, 0, '127.0.0.1');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      let sending = true;
      const answers: Awaited<ReturnType<typeof health>>[] = [];
      // A client that never pauses long enough for the connection to be idle, as a load balancer's pool.
      const client = (async () => {
        while (sending) answers.push(await health(agent, port));
      })();
      // close() as a stop calls it, while a request is in flight on the client's connection, so it is not idle.
      let closing = 0;
      const closed = new Promise<void>((resolve) => {
        server.on('request', () => {
          if (answers.length < 5 || closing) return;
          closing = Date.now();
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      });
      while (!closing) await new Promise((r) => setImmediate(r));
      const answeredBefore = answers.length;
      const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 5_000))]);
      sending = false;
      await client;
      agent.destroy();
      if (outcome !== 'closed') server.closeAllConnections();

      const afterClose = answers.slice(answeredBefore);
      expect(outcome, `server.close() still waiting after ${Date.now() - closing} ms for a busy keep-alive connection`).toBe('closed');
      // The fault: a request on the kept connection after close() began, answered and told to close it.
      expect(
        afterClose.some((a) => 'connection' in a && a.connection === 'close'),
        JSON.stringify(afterClose.slice(0, 5)),
      ).toBe(true);
    },
    ORDER_DB_TIMEOUT + 10_000,
  );
});
