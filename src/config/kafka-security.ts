import { readFileSync } from 'node:fs';
import { UsageError, errorMessage } from '../errors.ts';
import { ENV_SETTINGS, SASL_MECHANISMS, type SaslMechanism } from './settings.ts';

/** How to connect to the brokers: TLS or not, SASL or not. Resolved once from the environment (ENV_SETTINGS). */
export interface KafkaSecurity {
  /** null: plaintext. */
  tls: {
    /** PEM of the CA to trust; absent: the system's CAs. */
    ca?: string;
    rejectUnauthorized: boolean;
  } | null;
  /** null: no SASL. */
  sasl: { mechanism: SaslMechanism; username: string; password: string } | null;
}

export const PLAINTEXT: KafkaSecurity = { tls: null, sasl: null };

type Env = Record<string, string | undefined>;

/**
 * Reads and checks the Kafka security variables together; a bad value or combination is one
 * UsageError naming the variable (exit 2). A password is never part of a message.
 */
export function resolveKafkaSecurity(env: Env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): KafkaSecurity {
  const get = <K extends keyof typeof ENV_SETTINGS>(name: K): ReturnType<(typeof ENV_SETTINGS)[K]['parse']> => {
    const s = ENV_SETTINGS[name];
    try {
      // Empty is unset, as for a shell's `VAR= doms …`: an empty KAFKA_SSL_REJECT_UNAUTHORIZED must not turn verification off.
      const raw = env[s.env];
      return s.parse(raw === undefined || raw.trim() === '' ? s.default : raw) as ReturnType<(typeof ENV_SETTINGS)[K]['parse']>;
    } catch (e: unknown) {
      throw new UsageError(`invalid ${s.env}: ${errorMessage(e)}`);
    }
  };
  const ssl = get('kafkaSsl');
  const caFile = get('kafkaSslCa');
  const rejectUnauthorized = get('kafkaSslRejectUnauthorized');
  const mechanism = get('kafkaSaslMechanism');
  const username = get('kafkaSaslUsername');
  const password = get('kafkaSaslPassword');

  if (!ssl && caFile !== null) throw new UsageError('KAFKA_SSL_CA is set but KAFKA_SSL is off: set KAFKA_SSL=on to use TLS');
  if (!ssl && !rejectUnauthorized) throw new UsageError('KAFKA_SSL_REJECT_UNAUTHORIZED=off needs KAFKA_SSL=on');
  let tls: KafkaSecurity['tls'] = null;
  if (ssl) {
    tls = { rejectUnauthorized };
    if (caFile !== null) tls.ca = readCa(caFile, readFile);
  }

  let sasl: KafkaSecurity['sasl'] = null;
  if (mechanism === null) {
    const stray = [username && 'KAFKA_SASL_USERNAME', password && 'KAFKA_SASL_PASSWORD'].filter(Boolean);
    if (stray.length > 0)
      throw new UsageError(
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set but KAFKA_SASL_MECHANISM is not: set it to one of ${SASL_MECHANISMS.join(', ')}`,
      );
  } else {
    const missing = [!username && 'KAFKA_SASL_USERNAME', !password && 'KAFKA_SASL_PASSWORD'].filter(Boolean);
    if (missing.length > 0) throw new UsageError(`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}`);
    sasl = { mechanism, username, password };
  }
  return { tls, sasl };
}

function readCa(path: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (e: unknown) {
    throw new UsageError(`invalid KAFKA_SSL_CA: cannot read ${path}: ${(e as { code?: string }).code ?? errorMessage(e)}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`invalid KAFKA_SSL_CA: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}

/** "SASL_SSL (scram-sha-256 as alice)": for logs and messages; never the password. */
export function describeKafkaSecurity({ tls, sasl }: KafkaSecurity): string {
  const protocol = `${sasl ? 'SASL_' : ''}${tls ? 'SSL' : 'PLAINTEXT'}`;
  const details = [sasl && `${sasl.mechanism} as ${sasl.username}`, tls && !tls.rejectUnauthorized && 'certificate not verified'].filter(Boolean);
  return details.length ? `${protocol} (${details.join(', ')})` : protocol;
}
