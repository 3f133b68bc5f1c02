import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { doms } from '../helpers/cli.ts';
import { freePort } from '../helpers/workers.ts';

describe('doms demo', () => {
  it('runs the whole saga in one process, with no Kafka, Redis or PostgreSQL given, to all three outcomes', async () => {
    const port = await freePort();
    // Unreachable infrastructure on purpose: the demo must not touch any of it.
    const env = { KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const run = await doms(['demo', '--rate', '100', '--duration', '5s', '--no-dashboard', '--port', String(port)], { env, timeout: 90_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\[\d.*\] (sending|draining|done) \| sent/);
    const m = /every one of (\d+) orders reached an outcome \((\d+) confirmed, (\d+) rejected, (\d+) cancelled\)/.exec(run.stdout);
    expect(m).not.toBeNull();
    const [sent, confirmed, rejected, cancelled] = m!.slice(1).map(Number) as [number, number, number, number];
    expect(sent).toBe(500);
    expect(confirmed + rejected + cancelled).toBe(sent);
    expect(Math.min(confirmed, rejected, cancelled)).toBeGreaterThan(0);
  });

  it('says in one line that its port is taken, and stops there', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = await doms(['demo', '--duration', '2s', '--no-dashboard', '--port', String(port)], { timeout: 60_000 });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n'), run.stderr).toEqual([`doms: port ${port} is taken (is \`doms run\` running?): choose another with --port`]);
    } finally {
      taken.close();
    }
  });
});
