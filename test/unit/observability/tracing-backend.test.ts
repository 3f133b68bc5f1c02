import { describe, expect, it } from 'vitest';
import { resolveTracing } from '../../../src/config/tracing.ts';
import { SERVICE_NAMES } from '../../../src/services/registry.ts';
import { composeWorkers, readText, readYaml, type ComposeService } from '../../helpers/observability.ts';

const compose = readYaml<{ services: Record<string, ComposeService & { depends_on?: Record<string, unknown> }> }>('docker-compose.yml');
const jaegerSource = readYaml<{ datasources: { uid: string; type: string; url: string }[] }>('stack/observability/grafana/provisioning/datasources/jaeger.yml');
const dashboard = JSON.parse(readText('stack/observability/grafana/dashboards/doms.json')) as { links: { title: string; url: string }[] };

/** A compose value as the workers get it, `${VAR:-default}` given its default (nothing set on the command line). */
const interpolated = (v: unknown) => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('the tracing backend of the observability profile', () => {
  const jaeger = compose.services.jaeger!;

  it('runs Jaeger, pinned, only under the profile, with its UI and OTLP/HTTP receiver on the host', () => {
    expect(jaeger.profiles).toEqual(['observability']);
    expect(jaeger.image).toMatch(/^jaegertracing\/all-in-one:\d+\.\d+\.\d+$/);
    expect(jaeger.ports).toEqual(expect.arrayContaining(['127.0.0.1:16686:16686', '127.0.0.1:4318:4318']));
  });

  it('points every worker at it, and leaves tracing off unless OTEL_TRACES_EXPORTER=otlp is given to compose', () => {
    const workers = composeWorkers(compose.services).map((w) => w.name);
    expect(workers.sort()).toEqual([...SERVICE_NAMES].sort());
    for (const name of workers) {
      const env = compose.services[name]!.environment!;
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://jaeger:4318');
      const asGiven = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolated(v)]));
      expect(resolveTracing(asGiven), `${name}: off by default`).toBeNull();
      expect(resolveTracing({ ...asGiven, OTEL_TRACES_EXPORTER: 'otlp' })?.url, name).toBe('http://jaeger:4318/v1/traces');
    }
  });

  it('gives Grafana Jaeger as a data source, which the dashboard links to', () => {
    expect(jaegerSource.datasources).toEqual([expect.objectContaining({ type: 'jaeger', url: 'http://jaeger:16686' })]);
    const uid = jaegerSource.datasources[0]!.uid;
    expect(dashboard.links.some((l) => l.url.startsWith('/explore') && decodeURIComponent(l.url).includes(`"uid":"${uid}"`))).toBe(true);
    expect(dashboard.links.some((l) => l.url.startsWith('http://localhost:16686/'))).toBe(true);
    expect(compose.services.grafana!.depends_on).toHaveProperty('jaeger');
  });
});
