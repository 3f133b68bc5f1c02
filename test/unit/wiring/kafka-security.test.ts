import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { securityConfig } from '../../../src/infra/kafka.ts';

const SRC = resolve(import.meta.dirname, '../../../src');
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );

describe('Kafka security reaching every client', () => {
  it('gives kafkajs TLS with the CA and SASL with the credentials, and nothing for plaintext', () => {
    expect(securityConfig({ tls: null, sasl: null })).toEqual({});
    expect(securityConfig({ tls: { ca: 'PEM', rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } })).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['PEM'] },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(securityConfig({ tls: { rejectUnauthorized: false }, sasl: null })).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('passes the security settings to every Kafka client doms makes', () => {
    // A client made without them would connect in plaintext to a broker that wants TLS or SASL.
    const files = sourceFiles(SRC).filter((f) => !f.endsWith(join('infra', 'kafka.ts')));
    const calls = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/createKafka\(\{.*?\}\)/g)].map((m) => ({ file: relative(SRC, file), call: m[0] })),
    );
    // Every call is seen (each is written on one line), then each must carry `security`.
    expect(calls.length).toBe(files.reduce((n, f) => n + (readFileSync(f, 'utf8').match(/createKafka\(/g)?.length ?? 0), 0));
    // The one maker of the commands and the workers' launch (wiring/connections.ts), the bench: the search does find them.
    expect(calls.map((c) => c.file)).toEqual(expect.arrayContaining(['wiring/connections.ts']));
    expect(calls.filter((c) => !/\bsecurity\b/.test(c.call))).toEqual([]);
    expect(
      sourceFiles(SRC)
        .filter((f) => /new Kafka\(/.test(readFileSync(f, 'utf8')))
        .map((f) => relative(SRC, f)),
    ).toEqual(['infra/kafka.ts']);
  });
});
