import { withTransaction, type Db } from '../../infra/db.ts';

const DDL = `
CREATE TABLE IF NOT EXISTS orders (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  amount      numeric(14, 2) NOT NULL CHECK (amount >= 0),
  status      text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
-- Each order's status changes twice within milliseconds of its insert: room left on its page lets those
-- updates be HOT (no new index entries), which a full page would not.
ALTER TABLE orders SET (fillfactor = 70);
CREATE INDEX IF NOT EXISTS orders_user_created ON orders (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS orders_created ON orders (created_at DESC);

CREATE TABLE IF NOT EXISTS order_items (
  order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id  uuid NOT NULL,
  quantity    integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

-- One row per status an order entered, with when: the order's timeline.
CREATE TABLE IF NOT EXISTS order_status_history (
  order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  status      text NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (order_id, status)
);

-- Transactional outbox: events written with the state change, published by the relay.
CREATE TABLE IF NOT EXISTS outbox (
  id            bigserial PRIMARY KEY,
  topic         text NOT NULL,
  key           text NOT NULL,
  payload       text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  -- Kafka headers the event carries besides doms-origin: the W3C trace context of the request that
  -- wrote it, while tracing is on (NULL otherwise).
  headers       jsonb
);
-- Outboxes made before tracing: the column, added once (checked first, so a start takes no exclusive lock on the outbox).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'outbox' AND column_name = 'headers') THEN
    ALTER TABLE outbox ADD COLUMN headers jsonb;
  END IF;
END $$;
-- Idempotency-Key of POST /orders: a retried request gets the order its first attempt made.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key           text PRIMARY KEY,
  request_hash  text NOT NULL,
  order_id      uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- This database's identity, stamped on every event it publishes (header doms-origin): doms verify tells
-- its own events from those of another database whose saga shares the topics.
CREATE TABLE IF NOT EXISTS saga_origin (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id         uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO saga_origin DEFAULT VALUES ON CONFLICT DO NOTHING;
`;

/**
 * Creates the schema if missing and returns the database's origin id; the advisory lock stops workers
 * starting together from racing on DDL.
 */
export async function migrate(db: Db): Promise<string> {
  return withTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(724631)');
    await client.query(DDL);
    const { rows } = await client.query<{ id: string }>('SELECT id::text FROM saga_origin');
    return rows[0]!.id;
  });
}

/** The origin id of a database an order service has run on; undefined before one has. */
export async function readOrigin(db: Pick<Db, 'query'>): Promise<string | undefined> {
  const { rows } = await db.query<{ exists: boolean }>("SELECT to_regclass('saga_origin') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return undefined;
  return (await db.query<{ id: string }>('SELECT id::text FROM saga_origin')).rows[0]?.id;
}
