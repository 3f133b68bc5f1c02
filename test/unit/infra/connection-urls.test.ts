import { describe, expect, it } from 'vitest';
import { maintenanceUrl } from '../../../src/infra/postgres.ts';
import { parseClusterUrl, redactUrl, tlsOptions } from '../../../src/infra/redis.ts';
import { parseRedisUrl } from '../../../src/config/parse.ts';

describe('Redis and PostgreSQL URLs', () => {
  it('turns TLS on for rediss://, in any case, naming the host for the certificate check', () => {
    expect(tlsOptions('redis://localhost:6379')).toEqual({});
    expect(tlsOptions('rediss://cache.example.com:6380/0')).toEqual({ tls: { servername: 'cache.example.com' } });
    expect(tlsOptions('REDISS://:secret@cache.example.com')).toEqual({ tls: { servername: 'cache.example.com' } });
    // An address is no server name (SNI carries names only); the certificate is checked against the address.
    expect(tlsOptions('rediss://10.0.0.5:6380')).toEqual({ tls: {} });
    expect(tlsOptions('rediss://[::1]:6380')).toEqual({ tls: {} });
  });

  it('reads a Redis Cluster URL: seed nodes, credentials, TLS; anything else is not a cluster', () => {
    expect(parseClusterUrl('redis://localhost:6379')).toBeUndefined();
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7001,10.0.0.2:7002,cache-3')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
        { host: 'cache-3', port: 6379 },
      ],
      redisOptions: {},
    });
    expect(parseClusterUrl('rediss+cluster://app:p%40ss:w@cache.example.com:6380/')).toEqual({
      nodes: [{ host: 'cache.example.com', port: 6380 }],
      redisOptions: { tls: { servername: 'cache.example.com' }, username: 'app', password: 'p@ss:w' },
    });
    expect(parseClusterUrl('redis+cluster://[::1]:7001')!.nodes).toEqual([{ host: '::1', port: 7001 }]);
    expect(() => parseClusterUrl('redis+cluster://')).toThrow(/is not redis\+cluster:\/\//);
  });

  it('accepts redis://, rediss:// and redis+cluster:// for REDIS_URL, with one line for anything else, the password hidden', () => {
    expect(parseRedisUrl('redis://localhost:6379')).toBe('redis://localhost:6379');
    expect(parseRedisUrl('redis+cluster://a:7001,b:7002')).toBe('redis+cluster://a:7001,b:7002');
    expect(() => parseRedisUrl('http://localhost')).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisUrl('redis+cluster://u:secret@a:7001,b:x')).toThrow(
      "'redis+cluster://u:***@a:7001,b:x' is not redis+cluster://host:port[,host:port…]",
    );
    expect(redactUrl('redis+cluster://u:secret@a:7001,b:7002')).toBe('redis+cluster://u:***@a:7001,b:7002');
  });

  it('creates the database from the postgres database on the same server, keeping sslmode and every other parameter', () => {
    expect(maintenanceUrl('postgres://app:s3cret@db.example.com:5432/doms?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem')).toEqual({
      name: 'doms',
      adminUrl: 'postgres://app:s3cret@db.example.com:5432/postgres?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem',
    });
    expect(maintenanceUrl('postgresql://h/my%20db?sslmode=no-verify&application_name=doms')).toEqual({
      name: 'my db',
      adminUrl: 'postgresql://h/postgres?sslmode=no-verify&application_name=doms',
    });
  });

  it('hides passwords in messages, in the user part and in a password parameter', () => {
    expect(redactUrl('rediss://:secret@cache:6380')).toBe('rediss://:***@cache:6380');
    expect(redactUrl('postgres://app:secret@db/doms?sslmode=require')).toBe('postgres://app:***@db/doms?sslmode=require');
    expect(redactUrl('postgres://app@db/doms?password=secret&sslmode=require')).toBe('postgres://app@db/doms?password=***&sslmode=require');
  });
});
