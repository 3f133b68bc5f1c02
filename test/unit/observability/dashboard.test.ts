import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsAsJson } from '../../../src/infra/metrics.ts';
import { SERVICE_NAMES } from '../../../src/services/registry.ts';
import {
  composeWorkers,
  dashboardQueries,
  labelsUsed,
  metricNames,
  readDashboard,
  readYaml,
  type ComposeService,
  type PrometheusConfig,
} from '../../helpers/observability.ts';

const compose = readYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml');
const prometheus = readYaml<PrometheusConfig>('stack/observability/prometheus.yml');
const datasources = readYaml<{ datasources: { uid: string; type: string; url: string }[] }>(
  'stack/observability/grafana/provisioning/datasources/prometheus.yml',
);
const providers = readYaml<{ providers: { options: { path: string } }[] }>('stack/observability/grafana/provisioning/dashboards/doms.yml');
const dashboard = readDashboard();

/** Where a compose service mounts a path of this repository: `./host:/container[:ro]` → container path. */
const mountOf = (service: ComposeService, hostPath: string) => service.volumes?.map((v) => v.split(':')).find(([host]) => host === hostPath)?.[1];

/** Every series name the workers can expose: each registered metric, a histogram as its _bucket, _sum and _count (prom-client's typings say the type is a number; it is the name). */
async function registeredSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  // As a scraped worker exposes them: its process metrics start with the first scrape.
  for (const m of await metricsAsJson()) {
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
    else names.add(m.name);
  }
  return names;
}

describe('the observability profile', () => {
  it('runs every doms service in docker-compose.yml as a worker with a metrics port', () => {
    const workers = composeWorkers(compose.services);
    expect(workers.map((w) => w.name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const w of workers) {
      expect(w.metricsPort, `${w.name}: DOMS_METRICS_PORT or --metrics-port`).toMatch(/^\d+$/);
      expect(compose.services[w.name]!.ports, `${w.name} publishes its metrics port on the host`).toContain(`127.0.0.1:${w.metricsPort}:${w.metricsPort}`);
    }
  });

  it('scrapes exactly the workers of docker-compose.yml, each on its metrics port', () => {
    const workers = composeWorkers(compose.services);
    const targets = prometheus.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((c) =>
        c.targets.map((target) => ({ job: job.job_name, path: job.metrics_path ?? '/metrics', target, worker: c.labels?.worker })),
      ),
    );
    expect(targets.map((t) => t.target).sort()).toEqual(workers.map((w) => `${w.name}:${w.metricsPort}`).sort());
    for (const t of targets) {
      expect(t.path).toBe('/metrics');
      expect(t.worker, `${t.target} is labelled with its worker`).toBe(t.target.split(':')[0]);
      expect(t.job).toBe('doms');
    }
    // A target label named `service` would rename doms's own `service` label to `exported_service`.
    expect(prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => Object.keys(c.labels ?? {})))).not.toContain('service');
  });

  it('runs Prometheus and Grafana only under the profile, on pinned images, with their files mounted', () => {
    const { prometheus: prom, grafana } = compose.services;
    for (const [name, s] of Object.entries({ prometheus: prom, grafana })) {
      expect(s?.profiles, name).toEqual(['observability']);
      expect(s?.image, `${name} is pinned to a version`).toMatch(/:v?\d+\.\d+\.\d+$/);
    }
    expect(prom!.image).toMatch(/^prom\/prometheus:/);
    expect(grafana!.image).toMatch(/^grafana\/grafana:/);
    expect(mountOf(prom!, './stack/observability/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    expect(mountOf(grafana!, './stack/observability/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(grafana!.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer' });

    const dashboards = mountOf(grafana!, './stack/observability/grafana/dashboards');
    expect(providers.providers.map((p) => p.options.path)).toEqual([dashboards]);
    const home = String(grafana!.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(home.startsWith(`${dashboards}/`)).toBe(true);
    expect(existsSync(new URL(`../../../stack/observability/grafana/dashboards/${home.slice(dashboards!.length + 1)}`, import.meta.url))).toBe(true);
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
  });
});

describe('the Grafana dashboard', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const uid = datasources.datasources[0]!.uid;

  it('parses, and every panel and query reads the provisioned Prometheus data source', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid });
      expect(p.targets?.length, `${p.title} has queries`).toBeGreaterThan(0);
      for (const t of p.targets!) {
        expect(t.expr, `${p.title} ${t.refId}`).toBeTruthy();
        expect(t.datasource ?? p.datasource, `${p.title} ${t.refId}`).toEqual({ type: 'prometheus', uid });
      }
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size, 'panel ids are unique').toBe(dashboard.panels.length);
  });

  it('queries only series the workers expose', async () => {
    const exposed = await registeredSeries();
    const queries = dashboardQueries(dashboard);
    for (const { panel, expr } of queries) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr} reads a metric`).toBeGreaterThan(0);
      for (const name of names) expect(exposed.has(name), `${panel}: ${name} is not a series doms exposes`).toBe(true);
    }
    // What the issue asks to see.
    const read = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const name of [
      'doms_events_handled_total',
      'doms_handler_duration_seconds_bucket',
      'doms_consumer_lag',
      'doms_outbox_published_total',
      'doms_outbox_relay_seconds_bucket',
      'doms_http_request_duration_seconds_bucket',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ])
      expect(read.has(name), `the dashboard shows ${name}`).toBe(true);
  });

  it('matches only on labels its series or the scrape config give them', () => {
    const targetLabels = new Set([
      'job',
      'instance',
      ...prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => Object.keys(c.labels ?? {}))),
    ]);
    const own: Record<string, string[]> = {
      doms_events_handled_total: ['service', 'topic', 'result'],
      doms_handler_duration_seconds_bucket: ['service', 'le'],
      doms_consumer_lag: ['group', 'topic', 'partition'],
      doms_outbox_published_total: ['path'],
      doms_outbox_relay_seconds_bucket: ['le'],
      doms_http_request_duration_seconds_bucket: ['method', 'route', 'status', 'le'],
      doms_http_request_duration_seconds_count: ['method', 'route', 'status'],
    };
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      const allowed = new Set([...targetLabels, ...metricNames(expr).flatMap((n) => own[n] ?? [])]);
      for (const label of labelsUsed(expr)) expect(allowed.has(label), `${panel}: label ${label} in ${expr}`).toBe(true);
    }
    expect(prometheus.scrape_configs.map((j) => j.job_name)).toContain('doms');
  });

  it('finds metric names in PromQL (the check above depends on it)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, service) (rate(doms_handler_duration_seconds_bucket{job="doms"}[$__rate_interval])))')).toEqual([
      'doms_handler_duration_seconds_bucket',
    ]);
    expect(metricNames('sum(a_total) / ignoring (x) b_total offset 5m')).toEqual(['a_total', 'b_total']);
    expect(labelsUsed('sum by (group) (doms_consumer_lag{topic=~"order.*", job="doms"})').sort()).toEqual(['group', 'job', 'topic']);
  });
});
