/** Kafka headers doms puts on the events it publishes (the payloads stay as the original defined them). */
export const EventHeaders = {
  /**
   * The database an order.created came from (its saga_origin id): `doms verify` judges only its own
   * database's events when sagas with different databases share a topic.
   */
  Origin: 'doms-origin',
} as const;
