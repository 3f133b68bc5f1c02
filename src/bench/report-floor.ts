import { JIT, TOTAL, type CpuCost } from './cpu-per-order.ts';
import { compareWithFloor, NODE_PART, type FloorReport } from './floor-ratios.ts';
import { int, row, rule, span, us } from './report-format.ts';

/** What of a saga bench report the floor's lines read. */
interface WithFloor {
  run: { machine: { cores: number } };
  highestSustainedRate: number;
  floor?: FloorReport;
  floorError?: string;
  sustainedShareOfFloor?: number;
}

/** What of a step the floor's lines read. */
interface StepCpu {
  offered: number;
  cpu: Record<string, CpuCost>;
  cpuTimesFloor?: number;
}

const WHAT_THE_FLOOR_DOES =
  'Per batch: one POST /orders per order (the load generator’s body and client) on a keep-alive connection each to a node:http handler that parses it and answers once the order is committed; ' +
  'PostgreSQL: one statement writing the orders, their items, CREATED timeline rows and outbox rows, one deleting the outbox rows once published, ' +
  'and one per status change (RESERVED, CONFIRMED) with its timeline rows, each its own commit (synchronous_commit on); ' +
  'Kafka: one produce request each (acks=all) of order.created, inventory.reserved and payment.success, each record consumed back once; ' +
  "Redis: one pipeline each of the saga's RESERVE script, the payment ledger's SET NX, and its SETTLE script with the notification ledger's SET NX. " +
  'Tables, scripts, event shapes, partitions and ledger TTL are the saga’s own; every order takes the common path (reserved, paid, confirmed).';

/** ` (7.4× the floor)`, or nothing without a ratio. */
export function timesFloorText(times: number | undefined): string {
  return times === undefined ? '' : ` (${times}× the floor)`;
}

/** The run's log line once the floor is measured. */
export function floorLine(f: FloorReport): string {
  const parts = Object.entries(f.cpu)
    .filter(([name]) => name !== TOTAL && !name.endsWith(JIT))
    .map(([name, c]) => `${name} ${c.usPerOrder}`)
    .join(', ');
  return `floor: ${int(f.orders)} orders in ${f.wallSeconds} s, ${f.cpu[TOTAL]?.usPerOrder} µs CPU/order (${parts}) → ${int(f.rate)} orders/s on this machine's cores`;
}

/** The headline's sentence on the floor, after the highest sustained rate (or that none was). */
export function floorHeadline(r: WithFloor): string {
  if (!r.floor) return '';
  const rate = `the floor's rate, ${int(r.floor.rate)} orders/s (below)`;
  if (r.highestSustainedRate === 0 || r.sustainedShareOfFloor === undefined) return ` For comparison, ${rate}.`;
  return ` That is ${percent(r.sustainedShareOfFloor)} of ${rate}.`;
}

/** The CPU table's row of each step's total ÷ the floor's. */
export function timesFloorRow(steps: readonly StepCpu[]): string {
  return row(['**× the floor**', ...steps.map((s) => (s.cpuTimesFloor === undefined ? '–' : `**${s.cpuTimesFloor}×**`)), '']);
}

/** The floor's section: its CPU per order by process, its rate, and doms at `at` part by part against it. */
export function floorSection(r: WithFloor, at: StepCpu | undefined): string[] {
  if (r.floorError) return ['### Floor: not measured', '', `> The floor failed: ${r.floorError.split('\n')[0]}`, ''];
  const f = r.floor;
  if (!f) return [];
  const total = f.cpu[TOTAL]?.usPerOrder ?? 0;
  const out = [
    `### Floor: the saga's I/O with ideal batching, in one process (${int(f.orders)} orders in batches of ${int(f.batch)}, ${span(f.wallSeconds * 1000)}, after ${int(f.warmupOrders)} uncounted)`,
    '',
    WHAT_THE_FLOOR_DOES,
    '',
    row(['process', 'CPU µs per order', 'CPU %']),
    rule(3),
    ...Object.entries(f.cpu).map(([name, c]) => {
      const label = name === TOTAL ? '**total**' : name.endsWith(JIT) ? `↳ of which ${name.slice(0, -JIT.length)} JIT compiling` : name;
      return row([label, name === TOTAL ? `**${us(c.usPerOrder)}**` : us(c.usPerOrder), c.percent]);
    }),
    '',
    `**Floor rate: ${int(f.rate)} orders/s**: ${r.run.machine.cores} cores ÷ ${us(total)} µs of CPU per order, the most this stack could carry on this machine if its cores did nothing else.`,
    '',
  ];
  if (at?.cpu[TOTAL]) out.push(...comparison(at, f));
  return out;
}

function comparison(at: StepCpu, f: FloorReport): string[] {
  return [
    `doms at ${int(at.offered)}/s against the floor, CPU µs per order:`,
    '',
    row(['part', `doms at ${int(at.offered)}/s`, 'floor', '× the floor']),
    rule(4),
    ...compareWithFloor(at.cpu, f.cpu).map((c) => {
      const part = c.part === NODE_PART ? `${NODE_PART} (doms: the four workers and the load generator; floor: its one process)` : c.part;
      const cells = [us(c.doms), us(c.floor), c.times === undefined ? '–' : `${c.times}×`];
      return row(c.part === TOTAL ? ['**total**', ...cells.map((x) => `**${x}**`)] : [part, ...cells]);
    }),
    '',
    "doms's load generator also follows every outcome through a Kafka consumer of its own, to time each saga; the floor's process only sends and answers the POSTs. " +
      'Both are measured the same way (all of each process, from /proc), and the servers include anything else they did meanwhile.',
    '',
  ];
}

const percent = (share: number) => `${share >= 0.1 ? Math.round(share * 100) : Math.round(share * 1000) / 10}%`;
