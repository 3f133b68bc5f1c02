import type { AnyCommand } from '../commands/command.ts';
import { demoCommand } from '../commands/demo.ts';
import { dlqCommand } from '../commands/dlq.ts';
import { loadCommand } from '../commands/load.ts';
import { orderGetCommand } from '../commands/order-get.ts';
import { orderPlaceCommand } from '../commands/order-place.ts';
import { ordersCommand } from '../commands/orders.ts';
import { runCommand } from '../commands/run.ts';
import { smokeCommand } from '../commands/smoke.ts';
import { statusCommand } from '../commands/status.ts';
import { stockGetCommand, stockSeedCommand } from '../commands/stock.ts';
import { tailCommand } from '../commands/tail.ts';
import { topicsCommand, topicsGrowCommand } from '../commands/topics.ts';
import { traceCommand } from '../commands/trace.ts';
import { verifyCommand } from '../commands/verify.ts';

/** Every command of doms, in the order of `doms --help`. Each is one file in src/commands: its flags, help, options and runner. */
export const COMMANDS: readonly AnyCommand[] = [
  runCommand,
  orderPlaceCommand,
  orderGetCommand,
  ordersCommand,
  stockSeedCommand,
  stockGetCommand,
  tailCommand,
  traceCommand,
  dlqCommand,
  topicsCommand,
  topicsGrowCommand,
  verifyCommand,
  statusCommand,
  loadCommand,
  smokeCommand,
  demoCommand,
];

/** A group of subcommands (`doms order …`, `doms stock …`). */
export interface GroupSpec {
  name: string;
  description: string;
}

export const GROUPS: GroupSpec[] = [
  { name: 'order', description: 'place and inspect single orders' },
  { name: 'stock', description: 'seed and read stock in Redis' },
];
