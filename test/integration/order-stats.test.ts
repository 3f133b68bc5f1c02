import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PgDb } from '../../src/infra/db.ts';
import { connectPostgres } from '../../src/infra/postgres.ts';
import { migrate } from '../../src/services/order/schema.ts';
import { testEnv } from '../helpers/env.ts';
import { fillAndCheck } from '../helpers/order-stats.ts';

// The stats query of GET /stats on PostgreSQL itself, as on PGlite in test/unit/services/order/order-stats.test.ts.
describe('order stats on PostgreSQL', () => {
  const database = `doms_stats_${randomUUID().slice(0, 8)}`;
  let db: PgDb | undefined;

  beforeAll(async () => {
    // A database of its own, created on connecting.
    db = new PgDb(await connectPostgres(Object.assign(new URL(testEnv.postgresUrl), { pathname: `/${database}` }).toString()));
    await migrate(db);
  });

  afterAll(async () => {
    await db?.end();
    const admin = new pg.Client({ connectionString: testEnv.postgresUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  });

  it('counts per second what was created and what ended how, with saga percentiles, in one read', async () => {
    await fillAndCheck(db!, Date.UTC(2030, 0, 1, 12, 0, 0, 400));
  });
});
