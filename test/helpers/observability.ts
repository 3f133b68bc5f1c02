import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** stack/observability and docker-compose.yml, read and parsed, for the tests that keep them honest. */
const root = new URL('../../', import.meta.url);
export const readText = (path: string) => readFileSync(new URL(path, root), 'utf8');
// Compose files use YAML merge keys (`<<: *doms-env`).
export const readYaml = <T>(path: string): T => parse(readText(path), { merge: true }) as T;

export const DASHBOARD = 'stack/observability/grafana/dashboards/doms.json';

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { refId: string; expr?: string; datasource?: { type?: string; uid?: string } }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

export const readDashboard = (): Dashboard => JSON.parse(readText(DASHBOARD)) as Dashboard;

/** Every PromQL expression of the dashboard, with the panel it draws. */
export function dashboardQueries(dashboard: Dashboard): { panel: string; expr: string }[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  // Whole tokens, so that a number or a duration (0.99, 5m) is never taken for a name.
  for (const m of bare.matchAll(/[a-zA-Z0-9_:.]+/g)) {
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (!/^[a-zA-Z_:]/.test(m[0]) || after.startsWith('(') || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The labels an expression groups by or matches on. */
export function labelsUsed(expr: string): string[] {
  const labels = new Set<string>();
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) for (const l of m[1]!.split(',')) if (l.trim()) labels.add(l.trim());
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) for (const l of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(l[1]!);
  return [...labels];
}

/** Each series name in a Prometheus text exposition, with the labels its samples carry. */
export function exposedSeries(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0];
    if (!name) continue;
    const labels = series.get(name) ?? new Set<string>();
    for (const m of (line.match(/^[^{ ]*\{(.*)\}/)?.[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(m[1]!);
    series.set(name, labels);
  }
  return series;
}

export interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
}

export interface PrometheusConfig {
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
}

/** The doms workers of docker-compose.yml (services running `doms run <service>`) and the port each serves /metrics on. */
export function composeWorkers(services: Record<string, ComposeService>): { name: string; metricsPort: string | undefined }[] {
  return Object.entries(services)
    .filter(([, s]) => s.command?.[0] === 'run')
    .map(([name, s]) => {
      const flag = s.command!.indexOf('--metrics-port');
      const port = flag >= 0 ? s.command![flag + 1] : s.environment?.DOMS_METRICS_PORT;
      return { name, metricsPort: port === undefined || port === null ? undefined : String(port) };
    });
}
