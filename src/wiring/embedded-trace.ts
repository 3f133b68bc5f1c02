// `doms trace`'s sources on the embedded saga (`doms demo`), so the demo's web page traces its orders too.
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../events/topics.ts';
import { notificationKey, type NotificationRecords } from '../services/notification/ports.ts';
import type { TraceSources } from '../saga/trace/collect.ts';
import type { SearchedPartition, SeenRecord } from '../saga/trace/model.ts';
import type { Embedded } from './embedded.ts';

/** The order's records on the in-process bus and in the in-memory stores (under the keys Redis would hold them by). */
export function embeddedTraceSources(e: Embedded): TraceSources {
  return {
    db: e.db,
    records: async (orderId, sinceMs) => {
      const read = (topic: string, bare: string) => {
        const { partition, end, messages } = e.bus.keyed(topic, orderId);
        const records: SeenRecord[] = messages
          .filter((m) => Date.parse(m.timestamp) >= sinceMs)
          .map((m) => ({
            topic: bare,
            partition,
            offset: m.offset,
            timestamp: Date.parse(m.timestamp),
            key: m.key?.toString() ?? null,
            headers: m.headers,
            value: m.value?.toString('utf8') ?? null,
          }));
        // In memory the whole partition is looked at: from its first offset.
        const searched: SearchedPartition = { topic: bare, partition, from: '0', to: String(end) };
        return { records, searched };
      };
      const saga = ALL_TOPICS.map((t) => read(topicName(t, e.bus.prefix), t));
      const dead = ALL_TOPICS.map((t) => read(deadLetterTopicName(t, e.bus.prefix), `${t}.dlq`));
      return {
        records: saga.flatMap((r) => r.records),
        deadLetters: dead.flatMap((r) => r.records),
        searched: [...saga, ...dead].map((r) => r.searched),
      };
    },
    redis: async (orderId) => {
      const records = e.notifications as Partial<NotificationRecords> | undefined;
      const [[state], [payment], [notified]] = await Promise.all([
        e.stock.reservations([orderId]),
        e.payments ? e.payments.get([orderId]) : [undefined],
        records?.notified ? records.notified([orderId]) : [undefined],
      ]);
      return {
        reservation: { key: `doms:reservation:${orderId}`, fields: state ? { state } : null },
        payment: { key: `doms:payment:${orderId}`, value: payment ? JSON.stringify(payment) : null },
        notification: { key: notificationKey(orderId), value: notified ?? null },
      };
    },
  };
}
