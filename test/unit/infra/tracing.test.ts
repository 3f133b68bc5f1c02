import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { diag } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTracing } from '../../../src/config/tracing.ts';
import { UsageError } from '../../../src/errors.ts';
import { serializeEvent } from '../../../src/events/events.ts';
import { TraceHeaders } from '../../../src/events/headers.ts';
import { Topics } from '../../../src/events/topics.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { MemoryBus } from '../../../src/infra/memory-bus.ts';
import { createOtelTracing, OtelTracing } from '../../../src/infra/otel-tracing.ts';
import { Attr, installTracing, NO_SPAN, NO_TRACER, NO_TRACING, tracerFor } from '../../../src/infra/tracing.ts';
import { processChunks } from '../../../src/runtime/consumer.ts';
import type { SagaConsumerSpec } from '../../../src/runtime/handler.ts';
import { startTracing } from '../../../src/wiring/tracing.ts';
import { sagaEvents } from '../../helpers/saga-events.ts';

const SRC = resolve(import.meta.dirname, '../../../src');
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The SDK on an in-memory exporter, each span exported as it ends. */
function memoryTracing() {
  const exporter = new InMemorySpanExporter();
  return { tracing: new OtelTracing(null, { exporter: () => exporter, immediate: true }), exporter };
}

/** An inventory that answers each order.created with an inventory.reserved. */
const reserving: SagaConsumerSpec = {
  name: 'inventory',
  topics: [Topics.OrderCreated],
  pace: 'step',
  handle: async (chunk) => chunk.map(({ event }) => sagaEvents.reserved(event.orderId)),
};

const created = (offset: number, orderId: string, headers?: Record<string, Buffer>) => ({
  offset: String(offset),
  key: Buffer.from(orderId),
  value: Buffer.from(serializeEvent(sagaEvents.created(orderId, { [randomUUID()]: 1 }))),
  timestamp: '1700000000000',
  headers,
});

afterEach(() => installTracing(NO_TRACING));

describe('tracing off (the default)', () => {
  it('is the no-op: disabled, spans that carry no headers, nothing to flush', async () => {
    expect(tracerFor('inventory')).toBe(NO_TRACER);
    expect(NO_TRACER.start('x', 'consumer', { traceparent: 'whatever' })).toBe(NO_SPAN);
    expect(NO_SPAN.headers()).toEqual({});
    await expect(NO_TRACING.shutdown()).resolves.toBeUndefined();
  });

  it('resolves no configuration without OTEL_* variables, and the wiring gives the no-op', async () => {
    expect(resolveTracing({})).toBeNull();
    expect(await startTracing(silentLogger, {})).toBe(NO_TRACING);
  });

  it('publishes a chunk’s events with no trace headers, even when the messages read carried some', async () => {
    const bus = new MemoryBus(silentLogger);
    const orderId = randomUUID();
    await processChunks(reserving, bus, silentLogger, [
      { topic: Topics.OrderCreated, partition: 0, messages: [created(0, orderId, { traceparent: Buffer.from(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`) })] },
    ]);
    const [sent] = bus.messages(Topics.InventoryReserved);
    expect(sent!.key?.toString()).toBe(orderId);
    expect(sent!.headers).toEqual({});
  });

  it('loads the SDK only through the wiring, by a dynamic import', () => {
    const otel = join(SRC, 'infra/otel-tracing.ts');
    const importers = sourceFiles(SRC)
      .filter((f) => f !== otel && /(from|import\()\s*'[^']*otel-tracing\.ts'/.test(readFileSync(f, 'utf8')))
      .map((f) => [relative(SRC, f), /import\(\s*'[^']*otel-tracing\.ts'\s*\)/.test(readFileSync(f, 'utf8'))]);
    expect(importers).toEqual([['wiring/tracing.ts', true]]);
    const sdkUsers = sourceFiles(SRC)
      .filter((f) => /from '@opentelemetry\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(sdkUsers).toEqual(['infra/otel-tracing.ts']);
  });
});

describe('tracing configuration (the standard OTEL_* variables)', () => {
  it('turns on with an OTLP endpoint, posting to <endpoint>/v1/traces as protobuf', () => {
    expect(resolveTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' })).toEqual({
      exporter: 'otlp',
      url: 'http://jaeger:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: null,
    });
  });

  it('takes the traces endpoint as is, JSON when asked, and the service name', () => {
    expect(
      resolveTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/x',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'shop',
      }),
    ).toEqual({ exporter: 'otlp', url: 'https://b/x', protocol: 'http/json', serviceName: 'shop' });
  });

  it('turns on with OTEL_TRACES_EXPORTER=otlp alone (the default receiver) and off with none or OTEL_SDK_DISABLED=true', () => {
    expect(resolveTracing({ OTEL_TRACES_EXPORTER: 'otlp' })?.url).toBe('http://localhost:4318/v1/traces');
    expect(resolveTracing({ OTEL_TRACES_EXPORTER: 'console' })?.exporter).toBe('console');
    expect(resolveTracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toBeNull();
    expect(resolveTracing({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull();
  });

  it('rejects a bad value with one line naming the variable', () => {
    const bad = [
      { OTEL_TRACES_EXPORTER: 'zipkin' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' },
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'otlp' },
      { OTEL_SDK_DISABLED: 'maybe' },
    ];
    for (const env of bad) {
      const name = Object.keys(env)[0]!;
      expect(() => resolveTracing(env)).toThrow(UsageError);
      expect(() => resolveTracing(env)).toThrow(new RegExp(`invalid ${name}`));
    }
  });
});

describe('tracing on (the OpenTelemetry SDK)', () => {
  it('writes W3C trace context into headers and reads it back, from strings or Kafka’s Buffers', async () => {
    const { tracing, exporter } = memoryTracing();
    const tracer = tracing.tracer('order');
    const root = tracer.start('POST /orders', 'server');
    const headers = root.headers();
    const [, traceId, spanId] = TRACEPARENT.exec(headers[TraceHeaders.Parent]!)!;
    const child = tracer.start('process order.created', 'consumer', { traceparent: Buffer.from(headers[TraceHeaders.Parent]!), tracestate: 'doms=1' });
    expect(child.headers()[TraceHeaders.Parent]).toMatch(new RegExp(`^00-${traceId}-(?!${spanId})[0-9a-f]{16}-01$`));
    expect(child.headers()[TraceHeaders.State]).toBe('doms=1');
    child.end(new Error('boom'));
    root.end();
    root.end();
    const [c, r] = exporter.getFinishedSpans();
    expect(r!.parentSpanContext).toBeUndefined();
    expect(c!.parentSpanContext?.spanId).toBe(spanId);
    expect(c!.status.message).toBe('boom');
    expect(r!.resource.attributes['service.name']).toBe('doms-order');
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    await tracing.shutdown();
  });

  it('gives each service its own service.name', async () => {
    const { tracing, exporter } = memoryTracing();
    tracing.tracer('inventory').start('a', 'internal').end();
    tracing.tracer('payment').start('b', 'internal').end();
    expect(exporter.getFinishedSpans().map((s) => s.resource.attributes['service.name'])).toEqual(['doms-inventory', 'doms-payment']);
    await tracing.shutdown();
  });

  it('makes a chunk a process span per message, child of the message’s context, and each published event carries its send span’s', async () => {
    const { tracing, exporter } = memoryTracing();
    installTracing(tracing);
    const bus = new MemoryBus(silentLogger);
    const upstream = tracing.tracer('order').start('send order.created', 'producer');
    const [, traceId, upstreamId] = TRACEPARENT.exec(upstream.headers()[TraceHeaders.Parent]!)!;
    const [traced, untraced] = [randomUUID(), randomUUID()];
    await processChunks(
      reserving,
      bus,
      silentLogger,
      [
        {
          topic: Topics.OrderCreated,
          partition: 2,
          messages: [created(7, traced, { traceparent: Buffer.from(upstream.headers()[TraceHeaders.Parent]!) }), created(8, untraced)],
        },
      ],
      tracerFor('inventory'),
    );
    const spans = exporter.getFinishedSpans();
    const process = spans.find((s) => s.name === 'process order.created' && s.attributes[Attr.OrderId] === traced)!;
    expect(process.spanContext().traceId).toBe(traceId);
    expect(process.parentSpanContext?.spanId).toBe(upstreamId);
    expect(process.attributes).toMatchObject({
      [Attr.MessagingSystem]: 'kafka',
      [Attr.MessagingDestination]: 'order.created',
      [Attr.MessagingPartition]: '2',
      [Attr.MessagingKafkaOffset]: 7,
      [Attr.MessagingConsumerGroup]: 'doms-inventory',
    });
    const send = spans.find((s) => s.name === 'send inventory.reserved' && s.attributes[Attr.OrderId] === traced)!;
    expect(send.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    const out = bus.messages(Topics.InventoryReserved).find((m) => m.key?.toString() === traced)!;
    expect(out.headers[TraceHeaders.Parent]).toBe(`00-${traceId}-${send.spanContext().spanId}-01`);
    // A message without context starts a trace of its own.
    const lone = spans.find((s) => s.name === 'process order.created' && s.attributes[Attr.OrderId] === untraced)!;
    expect(lone.parentSpanContext).toBeUndefined();
    expect(lone.spanContext().traceId).not.toBe(traceId);
    await tracing.shutdown();
  });
});

describe('the SDK’s complaints', () => {
  afterEach(() => diag.disable());

  it('reach the worker’s log as one warning line, at most one a minute (a receiver away must not flood it)', async () => {
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (msg: string, fields?: unknown) => warnings.push([msg, fields]) };
    const tracing = await createOtelTracing({ exporter: 'console', url: '', protocol: 'http/json', serviceName: null }, logger);
    // What the SDK's error handler does with a failed export.
    diag.error(JSON.stringify({ message: 'connect ECONNREFUSED 127.0.0.1:4318', stack: '…' }));
    diag.warn('again');
    expect(warnings).toEqual([
      ['tracing: spans could not be exported (repeats are not logged for a minute)', { error: 'connect ECONNREFUSED 127.0.0.1:4318' }],
    ]);
    await tracing.shutdown();
  });
});

describe('attribute names', () => {
  it('are the semantic conventions’ own', () => {
    expect([
      Attr.MessagingSystem,
      Attr.MessagingOperationType,
      Attr.MessagingOperationName,
      Attr.MessagingDestination,
      Attr.MessagingPartition,
      Attr.MessagingKafkaOffset,
      Attr.MessagingKafkaKey,
      Attr.MessagingConsumerGroup,
      Attr.HttpMethod,
      Attr.HttpRoute,
      Attr.HttpStatus,
      Attr.UrlPath,
    ]).toEqual([
      semconv.ATTR_MESSAGING_SYSTEM,
      semconv.ATTR_MESSAGING_OPERATION_TYPE,
      semconv.ATTR_MESSAGING_OPERATION_NAME,
      semconv.ATTR_MESSAGING_DESTINATION_NAME,
      semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID,
      semconv.ATTR_MESSAGING_KAFKA_OFFSET,
      semconv.ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
      semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME,
      semconv.ATTR_HTTP_REQUEST_METHOD,
      semconv.ATTR_HTTP_ROUTE,
      semconv.ATTR_HTTP_RESPONSE_STATUS_CODE,
      semconv.ATTR_URL_PATH,
    ]);
  });
});
