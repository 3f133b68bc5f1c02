import pg from 'pg';
import { UnreachableError, errorMessage } from '../errors.ts';
import { redactUrl } from './redis.ts';

export type Pool = pg.Pool;

const DATABASE_MISSING = '3D000';
const DUPLICATE_DATABASE = '42P04';
/** Two workers creating the database at the same moment: the loser trips over the winner's catalogue row. */
const UNIQUE_VIOLATION = '23505';

/** Opens a pool, creating the database on first use so `doms run` works on a bare PostgreSQL. */
export async function connectPostgres(url: string, { max = 10 } = {}): Promise<pg.Pool> {
  try {
    return await openPool(url, max);
  } catch (e: unknown) {
    if ((e as { code?: string }).code !== DATABASE_MISSING) throw unreachable(url, e);
  }
  try {
    await createDatabase(url);
    return await openPool(url, max);
  } catch (e: unknown) {
    throw unreachable(url, e);
  }
}

async function openPool(url: string, max: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // A connection lost to a server restart or pg_terminate_backend must not crash the process: an idle
  // one is dropped by the pool, a checked-out one fails its query (and is destroyed on release).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('select 1');
    return pool;
  } catch (e: unknown) {
    await pool.end().catch(() => {});
    throw e;
  }
}

/**
 * The database a URL names, and the URL of the `postgres` database on the same server to create it
 * from: only the path changes, so user, password and query parameters (`sslmode`, `sslrootcert`,
 * `host` of a socket, …) stay as given.
 */
export function maintenanceUrl(url: string): { name: string; adminUrl: string } {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  return { name, adminUrl: admin.toString() };
}

async function createDatabase(url: string): Promise<void> {
  const { name, adminUrl } = maintenanceUrl(url);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (e: unknown) {
    const code = (e as { code?: string }).code;
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw e;
  } finally {
    await client.end();
  }
}

function unreachable(url: string, e: unknown): UnreachableError {
  return new UnreachableError(`PostgreSQL at ${redactUrl(url)}`, 'DATABASE_URL / --database-url', errorMessage(e), { cause: e, verb: 'use' });
}
