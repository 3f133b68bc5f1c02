import chalk from 'chalk';
import Table from 'cli-table3';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(text = ''): void {
  process.stdout.write(text + '\n');
}

export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head: head.map((h) => chalk.bold(h)), style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {
  CREATED: chalk.white,
  RESERVED: chalk.blue,
  CONFIRMED: chalk.green,
  REJECTED: chalk.yellow,
  CANCELLED: chalk.red,
};

export function colourStatus(status: string): string {
  return (STATUS_COLOUR[status] ?? chalk.white)(status);
}

export function shortTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().slice(11, 23);
}
