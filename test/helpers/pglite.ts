import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteDb } from '../../src/infra/pglite-db.ts';
import { migrate } from '../../src/services/order/schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const pgliteVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;

/** A freshly initialised data directory, kept between runs: PGlite's initdb costs a second or more, loading this a fraction. */
const SNAPSHOT = join(ROOT, `node_modules/.cache/doms-tests/pglite-${pgliteVersion}-initdb.tar`);

async function createPglite(): Promise<PGlite> {
  const snapshot = await readFile(SNAPSHOT).catch(() => undefined);
  if (snapshot) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([snapshot]) });
    } catch {
      // An unreadable snapshot: start from scratch and write a new one.
    }
  }
  const pg = await PGlite.create();
  try {
    const dump = await pg.dumpDataDir('none');
    await mkdir(dirname(SNAPSHOT), { recursive: true });
    // Written aside and renamed, so a file running beside this one never reads half a snapshot.
    const tmp = join(dirname(SNAPSHOT), `.${process.pid}-${Date.now()}.tar`);
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, SNAPSHOT);
  } catch {
    // No cache, no harm: the next run initialises again.
  }
  return pg;
}

/** PostgreSQL in WebAssembly with the order schema: the order service's database, for unit tests. One per file. */
export async function orderDb(): Promise<PgliteDb> {
  const db = new PgliteDb(await createPglite());
  await migrate(db);
  return db;
}

/** The statements (their text, or a prepared statement's name) `db` ran while `run` did. */
export async function countStatements(db: PgliteDb, run: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const query = db.query.bind(db);
  db.query = ((text: unknown, params?: unknown[]) => {
    statements.push(typeof text === 'string' ? text : (text as { name: string }).name);
    return query(text as string, params);
  }) as typeof db.query;
  try {
    await run();
  } finally {
    db.query = query;
  }
  return statements;
}

/** How long creating it may take on a busy machine. */
export const ORDER_DB_TIMEOUT = 30_000;
