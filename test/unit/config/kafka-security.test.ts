import { describe, expect, it } from 'vitest';
import { describeKafkaSecurity, resolveKafkaSecurity } from '../../../src/config/kafka-security.ts';
import { ENV_SETTINGS, SETTINGS } from '../../../src/config/settings.ts';
import { configTableMarkdown } from '../../../src/config/table.ts';
import { UsageError } from '../../../src/errors.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = { '/ca.pem': PEM, '/not-a-cert.txt': 'hello' };
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
  return text;
};
const resolve = (env: Record<string, string>) => resolveKafkaSecurity(env, readFile);

/** The one-line message of the UsageError that resolving throws. */
function failure(env: Record<string, string>): string {
  try {
    resolve(env);
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

const SASL = { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'p4ss-w0rd' };

describe('Kafka security settings', () => {
  it('is plaintext without SASL when nothing is set', () => {
    expect(resolve({})).toEqual({ tls: null, sasl: null });
    expect(resolve({ KAFKA_SSL: 'off', KAFKA_SASL_MECHANISM: '', KAFKA_SSL_CA: '' })).toEqual({ tls: null, sasl: null });
  });

  it('turns TLS on, trusting the CA file given or else the system CAs', () => {
    expect(resolve({ KAFKA_SSL: 'on' })).toEqual({ tls: { rejectUnauthorized: true }, sasl: null });
    expect(resolve({ KAFKA_SSL: 'true', KAFKA_SSL_CA: '/ca.pem' })).toEqual({ tls: { ca: PEM, rejectUnauthorized: true }, sasl: null });
    expect(resolve({ KAFKA_SSL: 'ON', KAFKA_SSL_REJECT_UNAUTHORIZED: 'off' }).tls).toEqual({ rejectUnauthorized: false });
    // Empty is unset: verification stays on.
    expect(resolve({ KAFKA_SSL: 'on', KAFKA_SSL_REJECT_UNAUTHORIZED: '' }).tls).toEqual({ rejectUnauthorized: true });
  });

  it('logs in with each SASL mechanism, whatever the case it is written in', () => {
    expect(resolve(SASL).sasl).toEqual({ mechanism: 'scram-sha-256', username: 'alice', password: 'p4ss-w0rd' });
    expect(resolve({ ...SASL, KAFKA_SASL_MECHANISM: 'PLAIN' }).sasl?.mechanism).toBe('plain');
    expect(resolve({ ...SASL, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SSL: 'on' })).toMatchObject({ tls: {}, sasl: { mechanism: 'scram-sha-512' } });
  });

  it('names the variable of a bad value', () => {
    expect(failure({ KAFKA_SSL: 'maybe' })).toBe("invalid KAFKA_SSL: 'maybe' is not on or off");
    expect(failure({ KAFKA_SSL: 'on', KAFKA_SSL_REJECT_UNAUTHORIZED: 'sometimes' })).toBe(
      "invalid KAFKA_SSL_REJECT_UNAUTHORIZED: 'sometimes' is not on or off",
    );
    expect(failure({ ...SASL, KAFKA_SASL_MECHANISM: 'gssapi' })).toBe(
      "invalid KAFKA_SASL_MECHANISM: 'gssapi' is not one of plain, scram-sha-256, scram-sha-512",
    );
  });

  it('refuses a CA file that cannot be read or holds no certificate, and a CA without TLS', () => {
    expect(failure({ KAFKA_SSL: 'on', KAFKA_SSL_CA: '/missing.pem' })).toBe('invalid KAFKA_SSL_CA: cannot read /missing.pem: ENOENT');
    expect(failure({ KAFKA_SSL: 'on', KAFKA_SSL_CA: '/not-a-cert.txt' })).toMatch(/^invalid KAFKA_SSL_CA: \/not-a-cert.txt holds no PEM certificate/);
    expect(failure({ KAFKA_SSL_CA: '/ca.pem' })).toBe('KAFKA_SSL_CA is set but KAFKA_SSL is off: set KAFKA_SSL=on to use TLS');
    expect(failure({ KAFKA_SSL_REJECT_UNAUTHORIZED: 'off' })).toBe('KAFKA_SSL_REJECT_UNAUTHORIZED=off needs KAFKA_SSL=on');
  });

  it('needs a user name and a password with a mechanism, and a mechanism with either', () => {
    expect(failure({ KAFKA_SASL_MECHANISM: 'plain' })).toBe('KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    expect(failure({ ...SASL, KAFKA_SASL_PASSWORD: '' })).toBe('KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_PASSWORD');
    expect(failure({ KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'p4ss-w0rd' })).toBe(
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not: set it to one of plain, scram-sha-256, scram-sha-512',
    );
    expect(failure({ KAFKA_SASL_PASSWORD: 'p4ss-w0rd' })).toMatch(/^KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not/);
  });

  it('never puts the password in a message or a description', () => {
    const messages = [
      failure({ ...SASL, KAFKA_SASL_MECHANISM: 'kerberos' }),
      failure({ ...SASL, KAFKA_SASL_MECHANISM: '' }),
      failure({ ...SASL, KAFKA_SSL: 'perhaps' }),
      failure({ ...SASL, KAFKA_SSL: 'on', KAFKA_SSL_CA: '/missing.pem' }),
      describeKafkaSecurity(resolve({ ...SASL, KAFKA_SSL: 'on' })),
    ];
    for (const m of messages) expect(m).not.toContain('p4ss-w0rd');
  });

  it('describes the connection for logs and messages', () => {
    expect(describeKafkaSecurity(resolve({}))).toBe('PLAINTEXT');
    expect(describeKafkaSecurity(resolve({ KAFKA_SSL: 'on' }))).toBe('SSL');
    expect(describeKafkaSecurity(resolve(SASL))).toBe('SASL_PLAINTEXT (scram-sha-256 as alice)');
    expect(describeKafkaSecurity(resolve({ ...SASL, KAFKA_SSL: 'on', KAFKA_SSL_REJECT_UNAUTHORIZED: 'off' }))).toBe(
      'SASL_SSL (scram-sha-256 as alice, certificate not verified)',
    );
  });

  it('lists the variables in the configuration table, without a flag', () => {
    const table = configTableMarkdown();
    for (const s of Object.values(ENV_SETTINGS)) expect(table).toContain(`| \`${s.env}\` | – |`);
    // Variable names are unique across both tables.
    const names = [...Object.values(SETTINGS), ...Object.values(ENV_SETTINGS)].map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
  });
});
