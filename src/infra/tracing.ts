import { TraceHeaders } from '../events/headers.ts';

/**
 * Tracing, as the saga sees it: a port with a no-op implementation, so that with tracing off (the
 * default) nothing of OpenTelemetry is loaded and a hot path costs one check of `enabled`. The
 * OpenTelemetry adapter is infra/otel-tracing.ts, loaded by src/wiring only when tracing is turned on.
 */

export type SpanKindName = 'server' | 'producer' | 'consumer' | 'internal';

export type SpanAttributes = Record<string, string | number | boolean>;

/** Headers a trace context is read from: Kafka's (values are Buffers), HTTP's, or the outbox row's. */
export type TraceCarrier = Readonly<Record<string, string | Buffer | readonly (string | Buffer)[] | undefined>>;

export interface TraceSpan {
  /** The W3C headers (traceparent, and tracestate when there is one) that make this span the parent of whatever carries them. */
  headers(): Record<string, string>;
  set(attributes: SpanAttributes): void;
  /** Ends the span; with an error, as failed. A second call does nothing. */
  end(error?: unknown): void;
}

export interface Tracer {
  /** False for the no-op tracer: callers skip building spans and attributes altogether. */
  readonly enabled: boolean;
  /** A span whose parent is `parent` (a span of this process, or headers carrying W3C trace context); a new trace when there is none. */
  start(name: string, kind: SpanKindName, parent?: TraceSpan | TraceCarrier, attributes?: SpanAttributes): TraceSpan;
}

export interface Tracing {
  readonly enabled: boolean;
  /** The tracer of one saga service: its spans carry `service.name` doms-<service> (or OTEL_SERVICE_NAME). */
  tracer(service: string): Tracer;
  /** Ends tracing: exports what is still buffered, waiting at most a few seconds. */
  shutdown(): Promise<void>;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export const NO_SPAN: TraceSpan = Object.freeze({ headers: () => NO_HEADERS, set: () => {}, end: () => {} });

export const NO_TRACER: Tracer = Object.freeze({ enabled: false, start: () => NO_SPAN });

export const NO_TRACING: Tracing = Object.freeze({ enabled: false, tracer: () => NO_TRACER, shutdown: () => Promise.resolve() });

let installed: Tracing = NO_TRACING;

/** Makes `tracing` this process's tracing (src/wiring does, before the services start); NO_TRACING turns it off again. */
export function installTracing(tracing: Tracing): void {
  installed = tracing;
}

/** The tracer of a service, taken once when it starts (a no-op unless tracing was installed). */
export function tracerFor(service: string): Tracer {
  return installed.tracer(service);
}

/** A header's text, whatever carried it (Kafka gives Buffers, HTTP may give a list). */
export function headerText(carrier: TraceCarrier, name: string): string | undefined {
  const v = carrier[name];
  const one = Array.isArray(v) ? (v as readonly (string | Buffer)[])[0] : (v as string | Buffer | undefined);
  return one === undefined ? undefined : typeof one === 'string' ? one : one.toString('utf8');
}

/** Whether headers carry a W3C trace context. */
export function carriesTrace(carrier: TraceCarrier | undefined): boolean {
  return carrier !== undefined && carrier[TraceHeaders.Parent] !== undefined;
}

/**
 * Attribute names, from OpenTelemetry's semantic conventions (messaging ones are still "incubating"
 * there, so they are copied, as its authors advise; a unit test checks them against the package).
 */
export const Attr = {
  MessagingSystem: 'messaging.system',
  MessagingOperationType: 'messaging.operation.type',
  MessagingOperationName: 'messaging.operation.name',
  MessagingDestination: 'messaging.destination.name',
  MessagingPartition: 'messaging.destination.partition.id',
  MessagingKafkaOffset: 'messaging.kafka.offset',
  MessagingKafkaKey: 'messaging.kafka.message.key',
  MessagingConsumerGroup: 'messaging.consumer.group.name',
  HttpMethod: 'http.request.method',
  HttpRoute: 'http.route',
  HttpStatus: 'http.response.status_code',
  UrlPath: 'url.path',
  /** doms's own: the order a span is about. */
  OrderId: 'doms.order.id',
  /** doms's own: how the outbox relay published a row (fast path right after the commit, or the sweep). */
  OutboxPath: 'doms.outbox.path',
} as const;
