import { describe, expect, it } from 'vitest';
import { maintenanceUrl } from '../../../src/infra/postgres.ts';
import { redactUrl, tlsOptions } from '../../../src/infra/redis.ts';

describe('Redis and PostgreSQL URLs', () => {
  it('turns TLS on for rediss://, in any case, naming the host for the certificate check', () => {
    expect(tlsOptions('redis://localhost:6379')).toEqual({});
    expect(tlsOptions('rediss://cache.example.com:6380/0')).toEqual({ tls: { servername: 'cache.example.com' } });
    expect(tlsOptions('REDISS://:secret@cache.example.com')).toEqual({ tls: { servername: 'cache.example.com' } });
    // An address is no server name (SNI carries names only); the certificate is checked against the address.
    expect(tlsOptions('rediss://10.0.0.5:6380')).toEqual({ tls: {} });
    expect(tlsOptions('rediss://[::1]:6380')).toEqual({ tls: {} });
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
