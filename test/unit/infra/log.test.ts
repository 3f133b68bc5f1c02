import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../../src/infra/log.ts';

/** A logger whose lines land in an array. */
function capture(component: string, options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = createLogger(component, { level: 'debug', ...options, write: (l) => lines.push(l) });
  return { logger, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('writes one JSON object a line with time, level, service, component, message and the fields', () => {
    const { logger, lines, json } = capture('doms', { format: 'json' });
    const orderId = '5b0f1c2e-0000-4000-8000-000000000001';
    logger.child('inventory', { service: 'inventory' }).info('stock reserved', { orderId, topic: 'order.created', partition: 2, offset: '41', items: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [line] = json();
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      service: 'inventory',
      component: 'inventory',
      msg: 'stock reserved',
      orderId,
      topic: 'order.created',
      partition: 2,
      offset: '41',
      items: 2,
    });
    expect(Date.parse(line!.time as string)).not.toBeNaN();
  });

  it('keeps the service through children of a service, and names the process where no service is known', () => {
    const { logger, json } = capture('doms', { format: 'json' });
    logger.info('running all');
    logger.child('kafkajs').warn('broker away');
    logger.child('order', { service: 'order' }).child('outbox').info('published outbox rows left behind', { rows: 3 });
    expect(json().map((l) => [l.service, l.component, l.level])).toEqual([
      ['doms', 'doms', 'info'],
      ['doms', 'kafkajs', 'warn'],
      ['order', 'outbox', 'info'],
    ]);
  });

  it("puts a child's bound fields on each of its lines, a call's own fields winning", () => {
    const { logger, json } = capture('doms', { format: 'json' });
    const at = logger.child('payment', { service: 'payment', topic: 'inventory.reserved', partition: 1, offsets: '7-9' });
    at.warn('handling failed, retrying', { attempt: 1 });
    at.error('message sent to the dead-letter topic', { offset: '8', offsets: undefined });
    const [retry, dead] = json();
    expect(retry).toMatchObject({ service: 'payment', topic: 'inventory.reserved', partition: 1, offsets: '7-9', attempt: 1 });
    expect(dead).toMatchObject({ topic: 'inventory.reserved', partition: 1, offset: '8' });
    expect(dead).not.toHaveProperty('offsets');
    expect(dead).not.toHaveProperty('service', 'doms');
  });

  it('writes text for people: level, component, message, then the fields as key=value', () => {
    const { logger, lines } = capture('doms');
    logger
      .child('notification', { service: 'notification' })
      .info('notification sent: order 5b0f confirmed', { orderId: '5b0f', outcome: 'CONFIRMED', none: undefined });
    // eslint-disable-next-line no-control-regex
    const plain = lines[0]!.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\S+Z INFO {2}notification {1,}notification sent: order 5b0f confirmed orderId=5b0f outcome=CONFIRMED$/);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('doms', { format: 'json', level: 'warn' });
    logger.child('inventory', { service: 'inventory' }).info('stock reserved');
    logger.debug('connecting');
    logger.warn('slow');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['slow']);
  });
});
