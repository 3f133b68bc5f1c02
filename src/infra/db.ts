import type pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/**
 * A statement of the hot path, prepared once per connection under its name: PostgreSQL then skips
 * parsing and planning it on every call, which for the saga's CTEs costs more than running them.
 */
export interface PreparedSql {
  name: string;
  text: string;
}

export type Sql = string | PreparedSql;

export const prepared = (name: string, text: string): PreparedSql => ({ name, text });

export const sqlText = (sql: Sql): string => (typeof sql === 'string' ? sql : sql.text);

const toPg = (sql: Sql, values?: unknown[]) => (typeof sql === 'string' ? { text: sql, values } : { name: sql.name, text: sql.text, values });

export interface DbClient {
  query<R = Record<string, unknown>>(sql: Sql, params?: unknown[]): Promise<QueryResult<R>>;
  /** Gives the connection back; with an error, the connection is destroyed instead. */
  release(error?: Error): void;
}

/**
 * The SQL database the order service works through: a PostgreSQL pool for real, PGlite (PostgreSQL
 * in WebAssembly) for the demo — the very same SQL in both.
 */
export interface Db {
  query<R = Record<string, unknown>>(sql: Sql, params?: unknown[]): Promise<QueryResult<R>>;
  /** A connection of its own, for a transaction. */
  connect(): Promise<DbClient>;
  end(): Promise<void>;
}

export class PgDb implements Db {
  constructor(readonly pool: pg.Pool) {}

  async query<R>(sql: Sql, params?: unknown[]): Promise<QueryResult<R>> {
    const result = await this.pool.query(toPg(sql, params));
    return { rows: result.rows as R[], rowCount: result.rowCount };
  }

  async connect(): Promise<DbClient> {
    const client = await this.pool.connect();
    return {
      query: async <R>(sql: Sql, params?: unknown[]) => {
        const result = await client.query(toPg(sql, params));
        return { rows: result.rows as R[], rowCount: result.rowCount };
      },
      release: (error?: Error) => client.release(error),
    };
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Runs `fn` in a transaction on a connection of its own: COMMIT when it returns, ROLLBACK when it
 * throws. A connection that failed is destroyed, not handed to the next caller.
 */
export async function withTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e: unknown) {
    await client.query('ROLLBACK').catch(() => {});
    failed = e;
    throw e;
  } finally {
    client.release(failed instanceof Error ? failed : undefined);
  }
}
