import { UsageError, errorMessage } from '../errors.ts';
import { TRACING_SETTINGS } from './settings.ts';

/** How to trace, when tracing is on: resolved once from the standard OTEL_* variables (TRACING_SETTINGS). */
export interface TracingConfig {
  exporter: 'otlp' | 'console';
  /** Where OTLP spans are posted (the traces URL itself). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_SERVICE_NAME; null: doms-<service>. */
  serviceName: string | null;
}

type Env = Record<string, string | undefined>;

/** The OTLP/HTTP receiver's default, as the OpenTelemetry specification sets it. */
const DEFAULT_BASE = 'http://localhost:4318';

/**
 * Tracing's configuration, or null when it is off: off unless OTEL_TRACES_EXPORTER says otlp or
 * console, or (with it unset) an OTLP endpoint is given; always off with OTEL_SDK_DISABLED=true.
 * A bad value is one UsageError naming the variable (exit 2).
 */
export function resolveTracing(env: Env): TracingConfig | null {
  const get = <K extends keyof typeof TRACING_SETTINGS>(name: K): ReturnType<(typeof TRACING_SETTINGS)[K]['parse']> => {
    const s = TRACING_SETTINGS[name];
    try {
      const raw = env[s.env];
      return s.parse(raw === undefined || raw.trim() === '' ? s.default : raw) as ReturnType<(typeof TRACING_SETTINGS)[K]['parse']>;
    } catch (e: unknown) {
      throw new UsageError(`invalid ${s.env}: ${errorMessage(e)}`);
    }
  };
  if (get('otelSdkDisabled')) return null;
  const base = get('otelEndpoint');
  const traces = get('otelTracesEndpoint');
  const exporter = get('otelTracesExporter') ?? (base !== null || traces !== null ? 'otlp' : 'none');
  if (exporter === 'none') return null;
  return {
    exporter,
    // As the specification says: the traces endpoint is used as is; the base one gets v1/traces appended.
    url: traces ?? `${(base ?? DEFAULT_BASE).replace(/\/+$/, '')}/v1/traces`,
    protocol: get('otelProtocol'),
    serviceName: get('otelServiceName'),
  };
}
