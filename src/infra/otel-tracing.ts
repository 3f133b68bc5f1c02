import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapSetter,
  diag,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/tracing.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from './log.ts';
import { headerText, type SpanAttributes, type SpanKindName, type TraceCarrier, type TraceSpan, type Tracer, type Tracing } from './tracing.ts';

/**
 * The tracing port on the OpenTelemetry JS SDK. Only src/wiring imports this file, and only with
 * `import()` when tracing is on: with it off, no OpenTelemetry module is loaded at all.
 *
 * Contexts are passed explicitly (a span's parent is a span or the headers it came in), not through
 * a global context manager: a chunk handler works for many orders, so many traces, at once, which an
 * "active span" cannot express, and no async hooks are needed.
 */

const propagator = new W3CTraceContextPropagator();

const getter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier, key),
};

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

/** The longest a shutdown waits for the last export (an unreachable receiver must not hold up a stop). */
const SHUTDOWN_WAIT_MS = 5000;

class OtelSpan implements TraceSpan {
  private ended = false;

  constructor(
    readonly span: Span,
    readonly context: Context,
  ) {}

  headers(): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagator.inject(this.context, carrier, defaultTextMapSetter);
    return carrier;
  }

  set(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) {
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      this.span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.constructor.name : 'Error');
    }
    this.span.end();
  }
}

class OtelTracer implements Tracer {
  readonly enabled = true;

  constructor(private readonly tracer: ReturnType<BasicTracerProvider['getTracer']>) {}

  start(name: string, kind: SpanKindName, parent?: TraceSpan | TraceCarrier, attributes?: SpanAttributes): TraceSpan {
    const parentContext =
      parent === undefined ? ROOT_CONTEXT : parent instanceof OtelSpan ? parent.context : propagator.extract(ROOT_CONTEXT, parent as TraceCarrier, getter);
    const span = this.tracer.startSpan(name, { kind: KINDS[kind], attributes }, parentContext);
    return new OtelSpan(span, trace.setSpan(parentContext, span));
  }
}

export interface OtelTracingOptions {
  /** Where spans go: one exporter per service (each service is a provider of its own, with its own `service.name`). */
  exporter: () => SpanExporter;
  /** Export each span as it ends (tests); by default spans are batched (OTEL_BSP_* tune the batches). */
  immediate?: boolean;
}

/**
 * One tracer provider per saga service, made when the service first asks: `doms run all` runs four
 * services in one process, and each must show as its own service (a resource is per provider). The
 * SDK reads the rest of the standard variables itself: OTEL_TRACES_SAMPLER, OTEL_BSP_*,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS and the like.
 */
export class OtelTracing implements Tracing {
  readonly enabled = true;
  private readonly providers = new Map<string, { provider: BasicTracerProvider; tracer: OtelTracer }>();
  private readonly fromEnv = detectResources({ detectors: [envDetector] });

  constructor(
    private readonly serviceName: string | null,
    private readonly options: OtelTracingOptions,
  ) {}

  tracer(service: string): Tracer {
    let entry = this.providers.get(service);
    if (!entry) {
      const exporter = this.options.exporter();
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default name.
      const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: this.serviceName ?? `doms-${service}`, 'service.namespace': 'doms' }).merge(this.fromEnv);
      const provider = new BasicTracerProvider({
        resource,
        spanProcessors: [this.options.immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
      });
      entry = { provider, tracer: new OtelTracer(provider.getTracer('doms')) };
      this.providers.set(service, entry);
    }
    return entry.tracer;
  }

  async shutdown(): Promise<void> {
    const all = Promise.allSettled([...this.providers.values()].map((p) => p.provider.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
  }
}

/** How often at most the SDK's complaints (an export that failed: the receiver away) reach the log. */
const COMPLAINT_EVERY_MS = 60_000;

/** The SDK's complaint in one line: its error handler hands over an exception as JSON, whose message is what matters. */
function complaintText(message: string, args: unknown[]): string {
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Plain text.
  }
  return [message, ...args.map((a) => errorMessage(a))].join(' ');
}

/**
 * The SDK reports failed exports through its diagnostic logger, silent unless one is set: route its
 * warnings and errors to the worker's log, at most one a minute, so a receiver that is away shows
 * without flooding the log (spans are dropped meanwhile; the saga goes on).
 */
function reportSdkComplaints(logger: Logger): void {
  let last = -Infinity;
  const complain = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - last < COMPLAINT_EVERY_MS) return;
    last = now;
    logger.warn('tracing: spans could not be exported (repeats are not logged for a minute)', {
      error: complaintText(message, args),
    });
  };
  const quiet = () => {};
  diag.setLogger({ error: complain, warn: complain, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
}

/** Tracing as configured: OTLP over HTTP (protobuf or JSON) or the console. Loads only the exporter asked for. */
export async function createOtelTracing(config: TracingConfig, logger?: Logger): Promise<OtelTracing> {
  if (logger) reportSdkComplaints(logger);
  if (config.exporter === 'console') return new OtelTracing(config.serviceName, { exporter: () => new ConsoleSpanExporter() });
  const { OTLPTraceExporter } =
    config.protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OtelTracing(config.serviceName, { exporter: () => new OTLPTraceExporter({ url: config.url }) });
}
