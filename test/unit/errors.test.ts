import { describe, expect, it } from 'vitest';
import { DomsError, UnreachableError, UsageError, retriability } from '../../src/errors.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('retriability: whether trying again can help', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['PostgreSQL shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a PostgreSQL connection failure (08006)', withCode('08006')],
    ['a serialization failure (40001)', withCode('40001')],
    ['too many connections (53300)', withCode('53300')],
    ['pg: connection cut', new Error('Connection terminated unexpectedly')],
    ['Redis loading its data', named('ReplyError', 'LOADING Redis is loading the dataset in memory')],
    ['Redis out of memory', named('ReplyError', 'OOM command not allowed when used memory > maxmemory')],
    ['ioredis while reconnecting', new Error('Connection is closed.')],
    ['a Redis Cluster slot moved during a failover or reshard', named('ReplyError', 'MOVED 1650 127.0.0.1:34706')],
    ['a Redis Cluster slot being migrated', named('ReplyError', 'ASK 1650 127.0.0.1:34706')],
    ['a Redis Cluster without a majority', named('ReplyError', 'CLUSTERDOWN The cluster is down')],
    ['ioredis giving up on a command', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit')],
    ['a kafkajs retriable error', Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true })],
    ['an unreachable service', new UnreachableError('Redis', 'REDIS_URL', 'refused')],
    ['a transient error as the cause', new Error('reserve failed', { cause: withCode('ETIMEDOUT') })],
  ])('transient: %s', (_what, error) => {
    expect(retriability(error)).toBe('transient');
  });

  it.each([
    ['a bug (TypeError)', new TypeError("Cannot read properties of undefined (reading 'items')")],
    ['a unique violation (23505)', withCode('23505')],
    ['bad data (22P02)', withCode('22P02')],
    ['an undefined column (42703)', withCode('42703')],
    ['a Lua script error', named('ReplyError', 'ERR user_script:12: attempt to compare nil with number')],
    ['a usage error', new UsageError('invalid --rate')],
    ['a DomsError marked not retriable', new DomsError('negative stock', 'negative', false)],
  ])('permanent: %s', (_what, error) => {
    expect(retriability(error)).toBe('permanent');
  });

  it.each([
    ['a plain Error', new Error('something odd')],
    ['a thrown string', 'boom'],
    ['an unknown SQLSTATE class (XX000)', withCode('XX000')],
  ])('unknown: %s', (_what, error) => {
    expect(retriability(error)).toBe('unknown');
  });
});
