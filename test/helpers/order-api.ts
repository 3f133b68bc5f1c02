import type { Server } from 'node:http';
import { silentLogger } from '../../src/infra/log.ts';
import type { PgliteDb } from '../../src/infra/pglite-db.ts';
import { createOrderApi, listen } from '../../src/services/order/http.ts';
import { SqlOrderStore } from '../../src/services/order/order-store.ts';
import { orderDb } from './pglite.ts';

export interface ServedOrderApi {
  db: PgliteDb;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Closes the server (its open connections too) and the database. */
  close(): Promise<void>;
}

/** The order service's HTTP API alone, on PGlite, on a free port of 127.0.0.1. Use in beforeAll with ORDER_DB_TIMEOUT. */
export async function serveOrderApi(): Promise<ServedOrderApi> {
  const db = await orderDb();
  let server: Server | undefined;
  try {
    server = createOrderApi(new SqlOrderStore(db), silentLogger);
    const base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    const running = server;
    return {
      db,
      base,
      close: async () => {
        const closed = new Promise<void>((resolve) => running.close(() => resolve()));
        running.closeAllConnections();
        await closed;
        await db.end();
      },
    };
  } catch (e: unknown) {
    server?.close();
    await db.end();
    throw e;
  }
}
