import { Kafka, Partitioners, logLevel as KafkaLogLevel, type Admin, type KafkaConfig, type Producer, type LogEntry, type SASLOptions } from 'kafkajs';
import { PLAINTEXT, describeKafkaSecurity, type KafkaSecurity } from '../config/kafka-security.ts';
import { UnreachableError, errorMessage } from '../errors.ts';
import { sleep } from './concurrency.ts';
import type { Logger } from './log.ts';
import { METADATA_MAX_AGE_MS } from './kafka-topics.ts';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL (src/config/kafka-security.ts); absent: plaintext, no SASL. */
  security?: KafkaSecurity;
}

// kafkajs reports every reconnect and rebalance at ERROR/WARN; these we already handle and would only alarm people.
const QUIET = [
  /The group is rebalancing/,
  /There is no leader for this topic-partition/,
  // A just-created topic's leader is still being elected: kafkajs refreshes metadata and retries.
  /This server is not the leader for that topic-partition/,
  /Connection error: connect ECONNREFUSED/,
  // Our own disconnect closing a socket a request was still being written to: kafkajs drops it, nothing is lost.
  /Connection error: write after end/,
  /coordinator is loading/,
  /group coordinator is not available/i,
  // We bound the producer's retries on purpose and retry around it; duplicates are absorbed by idempotent consumers.
  /Limiting retries for the idempotent producer/,
  // Workers started together race to create the topics: ensureTopics takes "already exists" and throws anything else itself.
  /Topic creation errors/,
];

/** kafkajs's `ssl` and `sasl` options: the one place the security settings meet the client. */
export function securityConfig({ tls, sasl }: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(tls && { ssl: { rejectUnauthorized: tls.rejectUnauthorized, ...(tls.ca !== undefined && { ca: [tls.ca] }) } }),
    ...(sasl && { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions }),
  };
}

/** The security each client was made with, so the reachability probe of connectAdmin connects the same way. */
const securityOf = new WeakMap<Kafka, KafkaSecurity>();

export function createKafka({ brokers, clientId, logger, security = PLAINTEXT }: KafkaOptions): Kafka {
  const log = logger.child('kafkajs');
  const kafka = new Kafka({
    clientId,
    brokers,
    ...securityConfig(security),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs puts the broker's error in `error` ("Response Heartbeat(…)" is the message): match both.
        const text = `${message} ${typeof rest.error === 'string' ? rest.error : ''}`;
        if (QUIET.some((re) => re.test(text))) return;
        const fields = { error: rest.error, groupId: rest.groupId, broker: rest.broker };
        if (level === KafkaLogLevel.ERROR) log.error(message, fields);
        else if (level === KafkaLogLevel.WARN) log.warn(message, fields);
      },
  });
  securityOf.set(kafka, security);
  return kafka;
}

/**
 * A producer whose sends fail whole rather than half. kafkajs 2.2.4 retries a failed send only to the
 * brokers that have not answered yet: a partition whose new leader is a broker that already answered
 * is never sent, yet the send resolves (tulios/kafkajs#1303), so acknowledged events were lost when a
 * leader moved. Without retries inside kafkajs a failed send rejects, and its caller sends it all
 * again (the outbox sweep, the chunk retry): partitions already written get a duplicate, which the
 * idempotent consumers absorb. No retries means no idempotence (kafkajs requires them for it).
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: false,
    retry: { retries: 0 },
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    metadataMaxAge: METADATA_MAX_AGE_MS,
  });
}

const PROBE_PATIENCE_MS = 5_000;

const isConnectionError = (e: unknown) =>
  (e as { name?: string }).name === 'KafkaJSConnectionError' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection (error|timeout)/i.test(errorMessage(e));

/** The error and its causes (kafkajs wraps them in `cause` or `originalError`), outermost first. */
function causes(e: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let c: unknown = e; c && chain.length < 5 && !chain.includes(c);) {
    chain.push(c);
    c = (c as { cause?: unknown; originalError?: unknown }).cause ?? (c as { originalError?: unknown }).originalError;
  }
  return chain;
}

/**
 * A consumer crash that only says the brokers were away: kafkajs gives up on the group coordinator with
 * a non-retriable error (KafkaJSGroupCoordinatorNotFound) when no broker answers, and does not restart
 * the consumer, though the same consumer rejoins fine once a broker is back.
 */
export const isBrokerAway = (e: unknown) =>
  causes(e).some((c) => {
    const name = (c as { name?: string }).name ?? '';
    return (
      name === 'KafkaJSGroupCoordinatorNotFound' ||
      name === 'KafkaJSConnectionError' ||
      name === 'KafkaJSConnectionClosedError' ||
      name === 'KafkaJSBrokerNotFound' ||
      isConnectionError(c)
    );
  });

const isAuthenticationError = (e: unknown) => causes(e).some((c) => (c as { name?: string }).name === 'KafkaJSSASLAuthenticationError');

/** Node's codes for a broker certificate it does not trust (or that is not for that host). */
const isCertificateError = (e: unknown) =>
  causes(e).some((c) => {
    const code = String((c as { code?: unknown }).code ?? '');
    return /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/.test(code);
  });

/**
 * A broker that hangs up on the client, a TLS handshake the other end does not answer, or SASL where
 * the listener has none: the client's security does not match the listener's.
 */
const isSecurityMismatch = (e: unknown) =>
  causes(e).some((c) => /Closed connection|closed by the server|SASL state|SASL mechanism|secure TLS connection/i.test(errorMessage(c)));

/** The setting to blame for a failed probe, and what to try: one line, never a password. */
function unreachableKafka(e: unknown, brokers: string[], security: KafkaSecurity): UnreachableError {
  const service = `Kafka at ${brokers.join(',')}`;
  if (isAuthenticationError(e))
    return new UnreachableError(service, 'KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD', errorMessage(e), {
      cause: e,
      verb: 'log in to',
      hint: `check the user name, password and mechanism: ${describeKafkaSecurity(security)}`,
    });
  if (isCertificateError(e))
    return new UnreachableError(service, 'KAFKA_SSL_CA', errorMessage(e), {
      cause: e,
      verb: 'trust',
      hint: `${security.tls?.ca ? 'KAFKA_SSL_CA must name' : "KAFKA_SSL_CA is unset, so only the system's CAs are trusted: set it to"} the PEM file of the CA that signed the brokers' certificates`,
    });
  if (isSecurityMismatch(e))
    return new UnreachableError(service, 'KAFKA_BROKERS / KAFKA_SSL / KAFKA_SASL_MECHANISM', errorMessage(e), {
      cause: e,
      hint: `is it running, and does the listener on that port take ${describeKafkaSecurity(security)}?`,
    });
  return new UnreachableError(service, 'KAFKA_BROKERS / --brokers', errorMessage(e), { cause: e, hint: 'is it running? try: npm run stack:up' });
}

/**
 * Fails fast, with one line naming the setting, when the broker cannot be reached. The probe has its
 * own client because a client's connect retries follow its own (long) retry budget, not the admin's.
 */
export async function connectAdmin(kafka: Kafka, brokers: string[]): Promise<Admin> {
  const security = securityOf.get(kafka) ?? PLAINTEXT;
  const probe = new Kafka({
    clientId: 'doms-probe',
    brokers,
    ...securityConfig(security),
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 300 },
    logLevel: KafkaLogLevel.NOTHING,
  }).admin();
  try {
    // Nothing listening fails at once; a broker that answers but is just starting, or starved of CPU,
    // may fail its first metadata requests in odd ways: give it a few seconds.
    const deadline = Date.now() + PROBE_PATIENCE_MS;
    for (;;) {
      try {
        await probe.connect();
        await probe.describeCluster();
        break;
      } catch (e: unknown) {
        // A refused login or an untrusted certificate will not change by waiting.
        if (isConnectionError(e) || isAuthenticationError(e) || isCertificateError(e) || Date.now() >= deadline) throw e;
        await sleep(300);
      }
    }
  } catch (e: unknown) {
    throw unreachableKafka(e, brokers, security);
  } finally {
    await probe.disconnect().catch(() => {});
  }
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}
