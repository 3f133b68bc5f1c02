import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics: one registry per process (a `doms run all` process labels each
 * series with its service), served at /metrics when a metrics port is set.
 */
export const registry = new Registry();

let processMetrics = false;
/**
 * The process's own metrics (CPU, memory, event-loop lag), from the first time metrics are served or
 * asked for: their event-loop monitor wakes the process every 10 ms, which a worker nobody scrapes
 * should not pay for.
 */
function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

/** What the outbox still holds; read only when /metrics is scraped, so an unscraped worker pays nothing. */
export interface OutboxBacklog {
  rows: number;
  /** Age of the oldest unpublished row, 0 when none waits. */
  oldestSeconds: number;
}

let readOutbox: (() => Promise<OutboxBacklog>) | undefined;
let lastRead: { at: number; backlog: Promise<OutboxBacklog | undefined> } | undefined;

/** The order service's relay tells the metrics how to read its outbox. */
export function observeOutbox(read: (() => Promise<OutboxBacklog>) | undefined): void {
  readOutbox = read;
  lastRead = undefined;
}

/** One read per scrape for both gauges (they are collected one after the other). */
function outboxBacklog(): Promise<OutboxBacklog | undefined> {
  if (!readOutbox) return Promise.resolve(undefined);
  const now = Date.now();
  if (!lastRead || now - lastRead.at > 500) lastRead = { at: now, backlog: readOutbox().catch(() => undefined) };
  return lastRead.backlog;
}

/** Latency buckets, seconds: a saga step takes milliseconds; a stall, seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  eventsHandled: new Counter({
    name: 'doms_events_handled_total',
    help: 'Messages a service consumed, by topic and result: handled, or dead_lettered (poison, or a handler that kept failing)',
    labelNames: ['service', 'topic', 'result'] as const,
    registers: [registry],
  }),
  handlerSeconds: new Histogram({
    name: 'doms_handler_duration_seconds',
    help: "Time a service's handler took for one call (a chunk of messages, effects included, publishing excluded)",
    labelNames: ['service'] as const,
    buckets: BUCKETS,
    registers: [registry],
  }),
  consumerLag: new Gauge({
    name: 'doms_consumer_lag',
    help: "Messages behind the end of a partition, as of the consumer's last fetch of it",
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
  }),
  outboxPublished: new Counter({
    name: 'doms_outbox_published_total',
    help: 'Outbox events published, by path: fast (right after their commit) or sweep (left behind, picked up later)',
    labelNames: ['path'] as const,
    registers: [registry],
  }),
  outboxBacklog: new Gauge({
    name: 'doms_outbox_backlog',
    help: 'Outbox rows committed but not yet published (order services only; read at scrape time)',
    // A label, so a process without an outbox shows no series rather than a misleading 0.
    labelNames: ['service'] as const,
    registers: [registry],
    async collect() {
      const backlog = await outboxBacklog();
      if (backlog) this.set({ service: 'order' }, backlog.rows);
    },
  }),
  outboxOldestSeconds: new Gauge({
    name: 'doms_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox row, 0 when none waits (order services only; read at scrape time)',
    labelNames: ['service'] as const,
    registers: [registry],
    async collect() {
      const backlog = await outboxBacklog();
      if (backlog) this.set({ service: 'order' }, backlog.oldestSeconds);
    },
  }),
  outboxRelaySeconds: new Histogram({
    name: 'doms_outbox_relay_seconds',
    help: 'From an outbox row commit to the broker acknowledging its event',
    buckets: BUCKETS,
    registers: [registry],
  }),
  httpSeconds: new Histogram({
    name: 'doms_http_request_duration_seconds',
    help: "The order API's requests, by method, route and status",
    labelNames: ['method', 'route', 'status'] as const,
    buckets: BUCKETS,
    registers: [registry],
  }),
};

/** This process's metrics as data, for a `--workers N` primary to sum with its other workers'. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
export const metricsAsJson = (): Promise<MetricsJson> => {
  collectProcessMetrics();
  return registry.getMetricsAsJSON();
};

/** Several processes' metrics as one exposition: counters and histograms summed, gauges as prom-client aggregates them (summed unless a metric says otherwise). */
export function aggregateMetrics(processes: MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate(processes).metrics();
}

/** Serves GET /metrics (Prometheus text format) on its own port, apart from the order API: this process's, or what `render` gives. */
export function serveMetrics(port: number, host = '0.0.0.0', render: () => Promise<string> = () => registry.metrics()): Promise<Server> {
  collectProcessMetrics();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(e)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
