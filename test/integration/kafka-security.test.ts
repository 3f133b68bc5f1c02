import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveKafkaSecurity } from '../../src/config/kafka-security.ts';
import { ENV_SETTINGS } from '../../src/config/settings.ts';
import { createKafka, createProducer } from '../../src/infra/kafka.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { doms, DomsProcess, type CliResult } from '../helpers/cli.ts';
import { REPO_ROOT } from '../helpers/env.ts';

/**
 * doms against a secured broker: `stack.sh up --sasl-ssl` starts a broker of its own (SASL_SSL on
 * localhost:29093, a CA made with keytool, the user doms for PLAIN and both SCRAMs), beside the shared
 * broker on 9092, which this file never touches. Every client gets its security from the variables.
 */
const BROKER = 'localhost:29093';
const CA = join(REPO_ROOT, '.stack/sasl-ssl/ssl/ca.pem');
const USER = 'doms';
const PASSWORD = 'doms-secret';
const WRONG_PASSWORD = 'not-the-password-4711';

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** The variables for one way of logging in; every Kafka security variable is set, so none leaks in from the outside. */
const securityEnv = (mechanism: Mechanism | '', overrides: Record<string, string> = {}): Record<string, string> => ({
  KAFKA_BROKERS: BROKER,
  KAFKA_SSL: 'on',
  KAFKA_SSL_CA: CA,
  KAFKA_SSL_REJECT_UNAUTHORIZED: 'on',
  KAFKA_SASL_MECHANISM: mechanism,
  KAFKA_SASL_USERNAME: mechanism ? USER : '',
  KAFKA_SASL_PASSWORD: mechanism ? PASSWORD : '',
  LOG_LEVEL: 'info',
  ...overrides,
});

function stack(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['scripts/stack.sh', ...args], { cwd: REPO_ROOT, timeout: 150_000 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`bash scripts/stack.sh ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stdout}${stderr}`))
        : resolve(stdout + stderr),
    ),
  );
}

/** A failed command's answer: exit 2 and one line on stderr, with no stack trace and no password in it. */
function expectOneLineFailure(r: CliResult, pattern: RegExp): void {
  const all = `${r.stdout}${r.stderr}`;
  expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), `stderr should be one line:\n${r.stderr}`).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
  expect(all).not.toMatch(/^\s+at /m);
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(WRONG_PASSWORD);
}

beforeAll(async () => {
  // Idempotent: a broker already up is reused. The first start makes the certificates (keytool) too.
  await stack('up', '--sasl-ssl');
}, 150_000);

afterAll(async () => {
  await stack('down', '--sasl-ssl');
}, 60_000);

describe('doms on a SASL_SSL broker', () => {
  it('runs a worker with SCRAM-SHA-512, produces with PLAIN, and tails with SCRAM-SHA-256 and PLAIN: one payment round trip', async () => {
    const prefix = `sec-${randomUUID().slice(0, 8)}-`;
    const base = { DOMS_TOPIC_PREFIX: prefix, DOMS_PARTITIONS: '1' };

    // The worker creates its topics through the admin client and consumes and produces, all over SASL_SSL.
    const worker = new DomsProcess(['run', 'payment', '--failure-rate', '0'], { ...securityEnv('scram-sha-512'), ...base });
    try {
      await worker.waitForOutput(/running payment/, 45_000);

      // The in-process path: the variables, resolved as doms resolves them, into createKafka.
      const security = resolveKafkaSecurity(securityEnv('plain'));
      const producer = createProducer(createKafka({ brokers: [BROKER], clientId: 'doms-security-test', logger: silentLogger, security }));
      await producer.connect();
      const orderId = randomUUID();
      try {
        const event = {
          type: 'inventory.reserved',
          orderId,
          userId: randomUUID(),
          totalAmount: 12,
          items: { [randomUUID()]: 1 },
          occurredAt: new Date().toISOString(),
        };
        await producer.send({ topic: `${prefix}inventory.reserved`, acks: -1, messages: [{ key: orderId, value: JSON.stringify(event) }] });
      } finally {
        await producer.disconnect();
      }

      // `doms tail --num 1` ends at the first payment.success: the worker consumed the event and answered it.
      const tail = (mechanism: Mechanism) =>
        doms(['tail', '--from-beginning', '--num', '1', '--json', 'payment.success'], { env: { ...securityEnv(mechanism), ...base }, timeout: 30_000 });
      const [scram, plain] = await Promise.all([tail('scram-sha-256'), tail('plain')]);
      for (const r of [scram, plain]) {
        expect(r.code, `doms tail: ${r.stderr}\nworker:\n${worker.output}`).toBe(0);
        const line = JSON.parse(r.stdout.trim()) as { topic: string; key: string; value: { orderId: string } };
        expect(line).toMatchObject({ topic: 'payment.success', key: orderId, value: { orderId } });
        expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
      }

      // doms status reaches Kafka the same way, and prints no password.
      const status = await doms(['status', '--json'], { env: { ...securityEnv('scram-sha-256'), ...base }, timeout: 30_000 });
      const json = JSON.parse(status.stdout || 'null') as { components: { name: string; ok: boolean; error?: string }[] } | null;
      expect(
        json?.components.find((c) => c.name === 'kafka'),
        `doms status: ${status.stdout}${status.stderr}`,
      ).toMatchObject({ ok: true });
      expect(`${status.stdout}${status.stderr}`).not.toContain(PASSWORD);

      expect(await worker.stop(), worker.output).toBe(0);
      expect(worker.output).not.toContain(PASSWORD);
    } finally {
      await worker.stop('SIGKILL');
    }
  }, 90_000);

  it('says in one line that the login failed, naming the SASL variables, for a wrong password (PLAIN and SCRAM)', async () => {
    const started = Date.now();
    const results = await Promise.all(
      (['plain', 'scram-sha-256'] as const).map((m) =>
        doms(['tail', 'payment.success'], { env: securityEnv(m, { KAFKA_SASL_PASSWORD: WRONG_PASSWORD }), timeout: 30_000 }),
      ),
    );
    const settings = 'KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD';
    const line = (m: string) =>
      new RegExp(
        `^doms: cannot log in to Kafka at localhost:29093 \\(${settings}\\): SASL .*authentication failed.* — check the user name, password and mechanism: SASL_SSL \\(${m} as doms\\)$`,
      );
    expectOneLineFailure(results[0]!, line('plain'));
    expectOneLineFailure(results[1]!, line('scram-sha-256'));
    // A refused login is final: no waiting it out.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 45_000);

  it('says in one line that the broker is not trusted, naming KAFKA_SSL_CA, for another CA or none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doms-ca-'));
    const otherCa = join(dir, 'other-ca.pem');
    // A real CA, just not the one that signed the broker's certificate.
    writeFileSync(otherCa, rootCertificates[0]!);
    const [other, none] = await Promise.all([
      doms(['tail', 'payment.success'], { env: securityEnv('scram-sha-256', { KAFKA_SSL_CA: otherCa }), timeout: 30_000 }),
      doms(['tail', 'payment.success'], { env: securityEnv('scram-sha-256', { KAFKA_SSL_CA: '' }), timeout: 30_000 }),
    ]);
    expectOneLineFailure(other, /^doms: cannot trust Kafka at localhost:29093 \(KAFKA_SSL_CA\): .*certificate.* — KAFKA_SSL_CA must name the PEM file/);
    expectOneLineFailure(none, /^doms: cannot trust Kafka at localhost:29093 \(KAFKA_SSL_CA\): .*certificate.* — KAFKA_SSL_CA is unset/);
  }, 45_000);

  it('refuses bad security settings at start-up with one line naming the variable, before connecting', async () => {
    const [mechanism, noPassword, strayPassword, badSsl] = await Promise.all([
      doms(['tail'], { env: securityEnv('plain', { KAFKA_SASL_MECHANISM: 'gssapi' }) }),
      doms(['tail'], { env: securityEnv('scram-sha-256', { KAFKA_SASL_PASSWORD: '' }) }),
      doms(['tail'], { env: securityEnv('', { KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: WRONG_PASSWORD }) }),
      doms(['status'], { env: securityEnv('plain', { KAFKA_SSL: 'maybe' }) }),
    ]);
    expectOneLineFailure(mechanism, /^doms: invalid KAFKA_SASL_MECHANISM: 'gssapi' is not one of plain, scram-sha-256, scram-sha-512$/);
    expectOneLineFailure(noPassword, /^doms: KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_PASSWORD$/);
    expectOneLineFailure(strayPassword, /^doms: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not/);
    expectOneLineFailure(badSsl, /^doms: invalid KAFKA_SSL: 'maybe' is not on or off$/);
  }, 45_000);

  it('names the security variables in the --help of every command that talks to Kafka, as they have no flags', async () => {
    for (const command of ['run', 'load', 'tail', 'status', 'verify']) {
      const help = await doms([command, '--help']);
      expect(help.code).toBe(0);
      for (const variable of Object.values(ENV_SETTINGS).map((s) => s.env)) expect(help.stdout, `doms ${command} --help`).toContain(variable);
    }
    expect((await doms(['stock', '--help'])).stdout, 'doms stock does not talk to Kafka').not.toContain('KAFKA_SASL');
  });
});
