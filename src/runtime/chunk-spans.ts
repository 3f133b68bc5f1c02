import type { DomsEvent } from '../events/events.ts';
import { Attr, type TraceCarrier, type TraceSpan, type Tracer } from '../infra/tracing.ts';
import type { MessageMeta } from './handler.ts';

/**
 * The spans of one handler call, made only while tracing is on: a `process <topic>` span per message
 * (its parent the producer span whose context the message carries), and a `send <topic>` span per
 * event published because of it, whose context goes into that event's headers. A chunk holds many
 * orders, so many traces: an outgoing event's parent is the process span of its own order.
 */
export class ChunkSpans {
  private readonly byOrder = new Map<string, TraceSpan>();
  private readonly spans: TraceSpan[] = [];

  constructor(
    private readonly tracer: Tracer,
    private readonly prefix: string,
    private readonly group: string,
  ) {}

  /** A message handed to the handler: its process span starts now and ends with the chunk. */
  received(event: DomsEvent, meta: MessageMeta, headers: TraceCarrier | undefined): void {
    const span = this.tracer.start(`process ${meta.topic}`, 'consumer', headers, {
      [Attr.MessagingSystem]: 'kafka',
      [Attr.MessagingOperationType]: 'process',
      [Attr.MessagingOperationName]: 'process',
      [Attr.MessagingDestination]: this.prefix + meta.topic,
      [Attr.MessagingPartition]: String(meta.partition),
      [Attr.MessagingKafkaOffset]: Number(meta.offset),
      [Attr.MessagingKafkaKey]: event.orderId,
      [Attr.MessagingConsumerGroup]: this.group,
      [Attr.OrderId]: event.orderId,
    });
    this.byOrder.set(event.orderId, span);
    this.spans.push(span);
  }

  /** An event about to be published: the headers that make its send span the parent of whoever reads it. */
  sending(event: DomsEvent): Record<string, string> {
    const span = this.tracer.start(`send ${event.type}`, 'producer', this.byOrder.get(event.orderId), {
      [Attr.MessagingSystem]: 'kafka',
      [Attr.MessagingOperationType]: 'send',
      [Attr.MessagingOperationName]: 'send',
      [Attr.MessagingDestination]: this.prefix + event.type,
      [Attr.MessagingKafkaKey]: event.orderId,
      [Attr.OrderId]: event.orderId,
    });
    this.spans.push(span);
    return span.headers();
  }

  /** Ends every span of the call: after the effects and the broker's acknowledgement of what was sent, or with the error that stopped them. */
  end(error?: unknown): void {
    for (const span of this.spans) span.end(error);
  }
}
