import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Saga } from '../helpers/workers.ts';

/** A taken port is bad input: one line naming it, exit 2, and nothing left running (not a crash, not exit 1 or 3). */
describe('doms run on a taken port', () => {
  const saga = new Saga();
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    taken.close();
    await saga.teardown();
  });

  it.each(['order', 'all'])('`doms run %s` says so in one line and exits 2', async (service) => {
    const run = await saga.doms(['run', service, '--port', String(port)], { timeout: 120_000 });
    expect({ code: run.code, stderr: run.stderr.trim() }, run.stdout + run.stderr).toEqual({
      code: 2,
      stderr: `doms: port ${port} is taken (is another order service running?): choose another with --port or PORT`,
    });
  });
});
