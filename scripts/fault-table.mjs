#!/usr/bin/env node
// The reliability table from the `fault-figures: {json}` lines the disruptive tests print
// (test/helpers/fault-figures.ts): `npm run test:faults 2>&1 | tee faults.log; node scripts/fault-table.mjs faults.log`.
// Reads the files named, or stdin; prints one markdown row per line found, in the order found.
import { readFileSync } from 'node:fs';

const text =
  process.argv.length > 2
    ? process.argv
        .slice(2)
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n')
    : readFileSync(0, 'utf8');
const rows = [];
for (const line of text.split('\n')) {
  const at = line.indexOf('fault-figures: {');
  if (at >= 0) rows.push(JSON.parse(line.slice(at + 'fault-figures: '.length)));
}
if (rows.length === 0) {
  console.error('fault-table: no `fault-figures:` lines in the input');
  process.exit(1);
}
// A row whose fault was not seen to happen (a broker that was not stopped, a restart that did not
// restart) would put a fault-free run's figures in the table as a fault's.
const unobserved = rows.filter((r) => !r.faultObserved || Object.keys(r.faultObserved).length === 0);
if (unobserved.length > 0) {
  console.error(`fault-table: refusing rows whose fault was not observed: ${unobserved.map((r) => r.scenario).join('; ')}`);
  process.exit(1);
}

const ms = (n) => (n === null || n === undefined ? '–' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n).toLocaleString('en-US')} ms`);
const count = (n) => (n === null || n === undefined ? 'not counted' : n === 0 ? '0' : `**${n}**`);
/** What the test saw of its fault, short: `brokerDownMs 20012, produceFailed yes`. */
const observedCell = (o) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
    .join(', ');
const cells = (c) => `| ${c.join(' | ')} |`;
console.log(
  cells([
    'scenario',
    'load',
    'orders',
    'lost',
    'duplicated outcomes',
    'duplicate orders',
    'oversold units',
    'double charges',
    'duplicate notifications',
    'p99.9 during the fault',
    'max',
    'time to recover',
    'verify',
    'fault observed',
  ]),
);
console.log(cells(Array.from({ length: 14 }, () => '---')));
for (const r of rows) {
  console.log(
    cells([
      r.scenario,
      r.load,
      r.orders.toLocaleString('en-US'),
      count(r.lost),
      count(r.duplicatedOutcomes),
      count(r.duplicateOrders),
      count(r.oversoldUnits),
      // The gateway called twice for an order (the ledger kept one outcome) is shown beside the charges recorded twice.
      r.gatewayCalledTwice ? `${count(r.doubleCharges)} (gateway called twice: ${r.gatewayCalledTwice})` : count(r.doubleCharges),
      count(r.duplicateNotifications),
      ms(r.duringFault.p999Ms),
      ms(r.duringFault.maxMs),
      ms(r.recoverMs),
      r.verify === 'pass' ? 'pass' : `**${r.verify}**`,
      observedCell(r.faultObserved),
    ]),
  );
}
