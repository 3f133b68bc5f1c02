import { createHash, randomUUID } from 'node:crypto';

export type PaymentOutcome = { status: 'success'; paymentId: string } | { status: 'failed'; reason: string };

export interface SimulationOptions {
  /** Share of payments that fail, 0..1. */
  failureRate: number;
  /** With a seed, each order's outcome is a pure function of (seed, orderId): reproducible runs. */
  seed?: string;
}

const REASONS = ['card declined', 'insufficient funds', 'payment gateway timeout'] as const;

/** A number in [0, 1) derived from the seed and a label, stable across processes and restarts. */
export function seededUnit(seed: string, label: string): number {
  const digest = createHash('sha256').update(`${seed}\u0000${label}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Simulates the charge for one order. */
export function simulatePayment(orderId: string, options: SimulationOptions, random: () => number = Math.random): PaymentOutcome {
  const roll = options.seed === undefined ? random() : seededUnit(options.seed, orderId);
  if (roll < options.failureRate) {
    const pick = options.seed === undefined ? random() : seededUnit(options.seed, `${orderId}/reason`);
    return { status: 'failed', reason: REASONS[Math.floor(pick * REASONS.length)]! };
  }
  const paymentId = options.seed === undefined ? randomUUID() : `pay-${createHash('sha256').update(`${options.seed}/${orderId}`).digest('hex').slice(0, 24)}`;
  return { status: 'success', paymentId };
}
