import type { PGlite } from '@electric-sql/pglite';
import { sqlText, type Db, type DbClient, type QueryResult, type Sql } from './db.ts';

/**
 * PGlite (PostgreSQL compiled to WebAssembly) behind the Db port, so the demo runs the very same SQL and
 * outbox. PGlite has one session: a mutex gives it to one transaction at a time,
 * and single queries wait their turn so they never slip into someone else's transaction.
 */
export class PgliteDb implements Db {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly pg: PGlite) {}

  private lock(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return acquired;
  }

  private async run<R>(sql: Sql, params?: unknown[]): Promise<QueryResult<R>> {
    const text = sqlText(sql);
    if (!params?.length && text.includes(';')) {
      // Several statements (the schema): only exec runs them.
      const results = await this.pg.exec(text);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? 0 };
    }
    const result = await this.pg.query<R>(text, params);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async query<R>(sql: Sql, params?: unknown[]): Promise<QueryResult<R>> {
    const release = await this.lock();
    try {
      return await this.run<R>(sql, params);
    } finally {
      release();
    }
  }

  async connect(): Promise<DbClient> {
    const release = await this.lock();
    let released = false;
    return {
      query: <R>(sql: Sql, params?: unknown[]) => this.run<R>(sql, params),
      release: () => {
        if (released) return;
        released = true;
        release();
      },
    };
  }

  async end(): Promise<void> {
    await this.pg.close();
  }
}
