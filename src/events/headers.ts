/** Kafka headers doms puts on the events it publishes (the payloads stay as the original defined them). */
export const EventHeaders = {
  /**
   * The database an order.created came from (its saga_origin id): `doms verify` judges only its own
   * database's events when sagas with different databases share a topic.
   */
  Origin: 'doms-origin',
} as const;

/** Headers a dead letter carries: why it was set aside and exactly where it came from. */
export const DlqHeaders = {
  Error: 'doms-error',
  Topic: 'doms-original-topic',
  Partition: 'doms-original-partition',
  Offset: 'doms-original-offset',
  Timestamp: 'doms-original-timestamp',
  Group: 'doms-consumer-group',
  FailedAt: 'doms-failed-at',
  ReplayedFrom: 'doms-replayed-from',
} as const;

/** W3C trace context (https://www.w3.org/TR/trace-context/): set on every event while tracing is on (see infra/tracing.ts). */
export const TraceHeaders = {
  Parent: 'traceparent',
  State: 'tracestate',
} as const;
