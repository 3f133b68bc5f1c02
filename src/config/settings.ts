import { availableParallelism } from 'node:os';
import { parseBrokers, parseDuration, parseInteger, parseRedisUrl, parseUrl } from './parse.ts';

/** `auto` is one process per core the machine lets this process use. */
function parseWorkers(v: string): number {
  return v.trim().toLowerCase() === 'auto' ? availableParallelism() : parseInteger(v, { min: 1, max: 256 });
}

/**
 * Every setting that can come from the environment: one table drives the flags, their --help,
 * start-up validation and the README's configuration table (`npm run docs:config` prints it).
 * Precedence: flag > environment variable > default.
 */
export const SETTINGS = {
  brokers: {
    flag: '--brokers <list>',
    env: 'KAFKA_BROKERS',
    default: 'localhost:9092',
    description: 'Kafka bootstrap servers, comma-separated',
    parse: parseBrokers,
  },
  redisUrl: {
    flag: '--redis-url <url>',
    env: 'REDIS_URL',
    default: 'redis://localhost:6379',
    description: 'Redis holding stock and the saga ledgers; `redis+cluster://host:port[,host:port…]` for a Redis Cluster',
    parse: parseRedisUrl,
  },
  databaseUrl: {
    flag: '--database-url <url>',
    env: 'DATABASE_URL',
    default: 'postgres://postgres@localhost:5432/doms',
    description: 'PostgreSQL for orders and the outbox (the database is created if missing)',
    parse: (v: string) => parseUrl(v, ['postgres:', 'postgresql:']),
  },
  target: {
    flag: '--target <url>',
    env: 'DOMS_TARGET',
    default: 'http://localhost:8081',
    description: 'base URL of the order service',
    parse: (v: string) => parseUrl(v, ['http:', 'https:']).replace(/\/+$/, ''),
  },
  port: {
    flag: '--port <port>',
    env: 'PORT',
    default: '8081',
    description: 'HTTP port of the order service (0 picks a free one)',
    parse: (v: string) => parseInteger(v, { min: 0, max: 65535 }),
  },
  topicPrefix: {
    flag: '--topic-prefix <prefix>',
    env: 'DOMS_TOPIC_PREFIX',
    default: '',
    description: 'prefix for every topic and consumer group (and, unless DOMS_REDIS_NAMESPACE is set, the Redis keys), to run sagas side by side',
    parse: (v: string) => {
      if (!/^[A-Za-z0-9._-]*$/.test(v)) throw new Error(`'${v}' may only contain letters, digits, '.', '_' and '-'`);
      return v;
    },
  },
  redisNamespace: {
    flag: '--redis-namespace <name>',
    env: 'DOMS_REDIS_NAMESPACE',
    default: '',
    description:
      'start of every Redis key of the saga (stock, reservations, payment and notification records); empty: `<topic prefix>doms`, ' +
      'as consumer groups are named, so a saga with its own prefix has its own stock and the unprefixed saga keeps `doms`',
    parse: (v: string) => {
      if (!/^[A-Za-z0-9._:-]*$/.test(v)) throw new Error(`'${v}' may only contain letters, digits, '.', '_', ':' and '-'`);
      return v;
    },
    /** Empty follows the topic prefix. */
    emptyFollows: { setting: 'topicPrefix', value: (prefix: string) => defaultRedisNamespace(prefix) },
  },
  ledgerTtl: {
    flag: '--ledger-ttl <duration>',
    env: 'DOMS_LEDGER_TTL',
    default: '7d',
    description:
      "how long Redis keeps an order's payment and notification records and its reservation once settled (0: for ever); 7d is Kafka's default " +
      "topic retention, so an event read again finds its order's record and is not applied twice. " +
      "doms verify does not ask Redis about older orders: give it the workers' value",
    parse: (v: string) => {
      const ms = parseDuration(v);
      if (ms !== 0 && ms < 1000) throw new Error(`${v} is below the minimum 1s (0: keep for ever)`);
      return ms;
    },
  },
  partitions: {
    flag: '--partitions <n>',
    env: 'DOMS_PARTITIONS',
    default: '6',
    description: 'partitions per saga topic: a worker creates the topics with them, and warns when a topic it reads has fewer (doms topics grow adds them)',
    parse: (v: string) => parseInteger(v, { min: 1, max: 1000 }),
  },
  fetchMinBytes: {
    flag: '--fetch-min-bytes <n>',
    env: 'DOMS_FETCH_MIN_BYTES',
    default: '1',
    description:
      'bytes a consumer fetch waits for (up to the fetch wait): 1 answers at once, so no hop waits; more makes fuller fetches at the cost of latency',
    parse: (v: string) => parseInteger(v, { min: 1, max: 64 * 1024 * 1024 }),
  },
  fetchMaxWait: {
    flag: '--fetch-max-wait <duration>',
    env: 'DOMS_FETCH_MAX_WAIT',
    default: '200ms',
    description: 'longest a consumer fetch waits on the broker when there is nothing to read: longer means fewer idle requests, slower shutdown and rebalance',
    parse: (v: string) => parseDuration(v),
  },
  fetchLinger: {
    flag: '--fetch-linger <duration>',
    env: 'DOMS_FETCH_LINGER',
    default: '0ms',
    description:
      'least time between the answer to a consumer fetch that brought messages and the next fetch: while busy, each fetch then brings several ' +
      'messages (fewer requests, wake-ups and handler calls) at the cost of up to this much latency per hop; idle consumers never wait',
    parse: (v: string) => parseDuration(v),
  },
  recordLinger: {
    flag: '--record-linger <duration>',
    env: 'DOMS_RECORD_LINGER',
    default: '200ms',
    description:
      "the fetch linger of consumers whose output the saga does not wait for (the order's status timeline, inventory's sales, notifications): while busy they fetch " +
      'at most this often, so several events share one request and one write, and an order shows its new status up to this much later ' +
      "(its timeline keeps the events' own times)",
    parse: (v: string) => parseDuration(v),
  },
  sessionTimeout: {
    flag: '--session-timeout <duration>',
    env: 'DOMS_SESSION_TIMEOUT',
    default: '3s',
    description:
      'how long a worker that died without leaving its groups (kill -9, a lost machine) holds its partitions before the others take them over; ' +
      "raised to the broker's group.min.session.timeout.ms when below it (6 s on a stock broker, 1 s on this project's stack); heartbeats go every third of it, at most every second",
    parse: (v: string) => parseDuration(v),
  },
  commitInterval: {
    flag: '--commit-interval <duration>',
    env: 'DOMS_COMMIT_INTERVAL',
    default: '1s',
    description:
      'how often consumers commit offsets (always after the effects; also on stop and rebalance): a crash redoes at most this much, which idempotent handlers absorb',
    parse: (v: string) => parseDuration(v),
  },
  metricsPort: {
    flag: '--metrics-port <port>',
    env: 'DOMS_METRICS_PORT',
    default: '',
    description: 'serve Prometheus metrics at http://<host>:<port>/metrics (each worker process its own port; unset: no metrics server)',
    parse: (v: string) => (v.trim() === '' ? null : parseInteger(v, { min: 0, max: 65535 })),
  },
  workers: {
    flag: '--workers <n>',
    env: 'DOMS_WORKERS',
    default: '1',
    description:
      'doms run: processes of the worker under one command (node:cluster): they share the order API and metrics ports and join the same ' +
      'consumer groups, a crashed one is started again; auto: one per core. 1: this process alone, no primary. Default 1, measured: on 2 cores ' +
      'shared with Kafka, Redis and PostgreSQL, 2 workers cost ~45% more CPU per order and a worse p99 in 3 of 4 runs; more pays where cores are free',
    parse: parseWorkers,
  },
  logLevel: {
    flag: '--log-level <level>',
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'debug, info, warn or error',
    parse: (v: string) => {
      if (!['debug', 'info', 'warn', 'error'].includes(v)) throw new Error(`'${v}' is not one of debug, info, warn, error`);
      return v as 'debug' | 'info' | 'warn' | 'error';
    },
  },
  logFormat: {
    flag: '--log-format <format>',
    env: 'LOG_FORMAT',
    default: 'text',
    description: 'text for people, json for log collectors',
    parse: (v: string) => {
      if (v !== 'text' && v !== 'json') throw new Error(`'${v}' is not text or json`);
      return v;
    },
  },
} as const;

/** A setting read from the environment only: no flag. */
export interface EnvSetting {
  env: string;
  default: string;
  description: string;
  parse: (v: string) => unknown;
}

const onOff = (v: string): boolean => {
  const t = v.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(t)) return true;
  if (['off', 'false', '0', 'no'].includes(t)) return false;
  throw new Error(`'${v}' is not on or off`);
};

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * Kafka's security: environment variables only, read by every command that talks to Kafka
 * (src/config/kafka-security.ts checks them together). No flags, so a password never stands on a
 * command line where `ps` and shell history show it. The README's table lists them with SETTINGS.
 */
export const ENV_SETTINGS = {
  kafkaSsl: {
    env: 'KAFKA_SSL',
    default: 'off',
    description: 'on: connect to the brokers over TLS',
    parse: onOff,
  },
  kafkaSslCa: {
    env: 'KAFKA_SSL_CA',
    default: '',
    description: "PEM file of the CA that signed the brokers' certificates (unset: the system's CAs; needs KAFKA_SSL=on)",
    parse: (v: string) => (v.trim() === '' ? null : v.trim()),
  },
  kafkaSslRejectUnauthorized: {
    env: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
    default: 'on',
    description: 'off: accept any broker certificate — encrypted but not authenticated, for a test broker only',
    parse: onOff,
  },
  kafkaSaslMechanism: {
    env: 'KAFKA_SASL_MECHANISM',
    default: '',
    description: 'plain, scram-sha-256 or scram-sha-512 to log in with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (unset: no SASL)',
    parse: (v: string): SaslMechanism | null => {
      const t = v.trim().toLowerCase();
      if (t === '') return null;
      if (!(SASL_MECHANISMS as readonly string[]).includes(t)) throw new Error(`'${v}' is not one of ${SASL_MECHANISMS.join(', ')}`);
      return t as SaslMechanism;
    },
  },
  kafkaSaslUsername: {
    env: 'KAFKA_SASL_USERNAME',
    default: '',
    description: 'SASL user name',
    parse: (v: string) => v,
  },
  kafkaSaslPassword: {
    env: 'KAFKA_SASL_PASSWORD',
    default: '',
    description: 'SASL password (never printed or logged)',
    parse: (v: string) => v,
  },
} as const satisfies Record<string, EnvSetting>;

/**
 * Tracing (README: Tracing): OpenTelemetry's standard variables, from the environment only, read by
 * `doms run` (src/config/tracing.ts checks them together). The README's table lists them with SETTINGS.
 */
export const TRACING_SETTINGS = {
  otelTracesExporter: {
    env: 'OTEL_TRACES_EXPORTER',
    default: '',
    description:
      'otlp: trace the saga with OpenTelemetry, spans sent over OTLP/HTTP; console: printed on stdout; none: off. ' +
      'Empty: on (otlp) when an OTLP endpoint below is set, else off: doms traces nothing by default',
    parse: (v: string): 'otlp' | 'console' | 'none' | null => {
      const t = v.trim().toLowerCase();
      if (t === '') return null;
      if (t !== 'otlp' && t !== 'console' && t !== 'none') throw new Error(`'${v}' is not otlp, console or none`);
      return t;
    },
  },
  otelEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: '',
    description:
      'base URL of the OTLP/HTTP receiver (Jaeger, Tempo, a collector), e.g. `http://localhost:4318`: spans go to `<url>/v1/traces`; setting it turns tracing on',
    parse: (v: string) => (v.trim() === '' ? null : parseUrl(v.trim(), ['http:', 'https:'])),
  },
  otelTracesEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    default: '',
    description: 'the full URL spans are posted to, as is (wins over OTEL_EXPORTER_OTLP_ENDPOINT); setting it turns tracing on',
    parse: (v: string) => (v.trim() === '' ? null : parseUrl(v.trim(), ['http:', 'https:'])),
  },
  otelProtocol: {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    default: 'http/protobuf',
    description: 'how spans are encoded: http/protobuf or http/json (grpc is not supported)',
    parse: (v: string): 'http/protobuf' | 'http/json' => {
      const t = v.trim().toLowerCase();
      if (t !== 'http/protobuf' && t !== 'http/json') throw new Error(`'${v}' is not http/protobuf or http/json`);
      return t;
    },
  },
  otelServiceName: {
    env: 'OTEL_SERVICE_NAME',
    default: '',
    description: "`service.name` of the process's spans; empty: `doms-<service>` for each saga service, so `doms run all` shows as four services",
    parse: (v: string) => (v.trim() === '' ? null : v.trim()),
  },
  otelSdkDisabled: {
    env: 'OTEL_SDK_DISABLED',
    default: 'false',
    description: 'true: no tracing, whatever the variables above say',
    parse: (v: string) => {
      const t = v.trim().toLowerCase();
      if (t !== 'true' && t !== 'false') throw new Error(`'${v}' is not true or false`);
      return t === 'true';
    },
  },
} as const satisfies Record<string, EnvSetting>;

/**
 * The Redis namespace of the saga whose topics carry `topicPrefix`, when none is set: the prefix
 * before `doms`, as consumer group ids are named (`<prefix>doms-inventory`). No prefix: `doms`, the
 * keys of every doms before namespaces.
 */
export function defaultRedisNamespace(topicPrefix: string): string {
  return `${topicPrefix}doms`;
}

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<K extends SettingName> = ReturnType<(typeof SETTINGS)[K]['parse']>;
export type Settings<K extends SettingName> = { [P in K]: SettingValue<P> };
