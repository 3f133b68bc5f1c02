import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { errorMessage } from '../../src/errors.ts';

// A fault test must prove its fault happened, from outside the thing it faults: a test whose fault
// silently did not happen (a broker this checkout did not start, a restart that did not restart)
// would pass and put false figures in the README's reliability table. Each check here either returns
// what it observed, for the fault-figures line, or throws one line starting "fault not observed:".

/** What a disruptive test saw of its fault, recorded in its fault-figures line (`faultObserved`). */
export type FaultObserved = Record<string, number | string | boolean>;

export class FaultNotObserved extends Error {
  constructor(what: string) {
    super(`fault not observed: ${what}`);
  }
}

/** 'open' when something accepts a TCP connection on the port, 'refused' when nothing listens. */
export function probePort(port: number, host = '127.0.0.1', timeoutMs = 2_000): Promise<'open' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (result: 'open' | 'refused' | 'timeout') => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('open'));
    socket.once('error', () => done('refused'));
  });
}

/** The state letter of /proc/<pid>/stat (R, S, D, T, Z, …), or 'gone' when there is no such process. */
export function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return 'gone';
  }
}

/** A killed process is gone (or a zombie waiting to be reaped). */
export function expectKilled(pid: number, what: string): FaultObserved {
  const state = processState(pid);
  if (state !== 'gone' && state !== 'Z') throw new FaultNotObserved(`${what} (pid ${pid}) is still alive after its kill (state ${state})`);
  return { [`${what} pid ${pid}`]: state };
}

/** A frozen (SIGSTOP) process is in state T. */
export function expectStopped(pid: number, what: string): void {
  const state = processState(pid);
  if (state !== 'T') throw new FaultNotObserved(`${what} (pid ${pid}) is not stopped after SIGSTOP (state ${state})`);
}

/** A produce to the brokers, with no retries, must fail while the broker is down. */
export async function expectProduceFails(brokers: string[], topic: string): Promise<string> {
  const kafka = new Kafka({ clientId: 'doms-fault-proof', brokers, connectionTimeout: 1_000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, timeout: 2_000, messages: [{ value: 'fault-proof' }] });
  } catch (e: unknown) {
    return errorMessage(e).split('\n')[0]!;
  } finally {
    await producer.disconnect().catch(() => {});
  }
  throw new FaultNotObserved(`a produce to ${brokers.join(',')} succeeded while the broker was meant to be down`);
}

/** When the PostgreSQL server last started: changes across a restart. */
export async function postmasterStart(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ t: Date }>('SELECT pg_postmaster_start_time() AS t');
    return rows[0]!.t.toISOString();
  } finally {
    await client.end().catch(() => {});
  }
}

/** The Redis server's run_id: a new one each time it starts. */
export async function redisRunId(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  const id = /run_id:(\w+)/.exec(info)?.[1];
  if (!id) throw new Error(`no run_id in Redis INFO server: ${info.slice(0, 200)}`);
  return id;
}

/** Checks a value changed across a restart, returning both for the record. */
export function expectChanged(what: string, before: string, after: string): FaultObserved {
  if (before === after) throw new FaultNotObserved(`${what} is unchanged (${before}): the restart did not happen`);
  return { [`${what} before`]: before, [`${what} after`]: after };
}

/**
 * How many of a database's connections were opened after `since`: the workers' reconnections after
 * their connections were cut (PostgreSQL's own record, not the workers' word).
 */
export async function connectionsOpenedSince(url: string, database: string, since: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_start > $2 AND pid <> pg_backend_pid()',
      [database, new Date(since)],
    );
    return rows[0]!.n;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Lines of a worker's output that match, after a mark (the length of its output when the fault fell). */
export function linesSince(output: string, mark: number, pattern: RegExp): string[] {
  return output
    .slice(mark)
    .split('\n')
    .filter((l) => pattern.test(l));
}
