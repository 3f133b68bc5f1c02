import chalk from 'chalk';
import Table from 'cli-table3';

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

/** Where a command writes: its answer on stdout, notes and progress on stderr. Tests pass a recorder. */
export interface Output {
  /** One line of the answer (stdout). */
  line(text?: string): void;
  /** The answer as indented JSON (stdout). */
  json(value: unknown): void;
  /** A note, a warning or progress (stderr), so stdout stays the answer. */
  note(text: string): void;
  /** Whether stdout is a terminal (a live dashboard makes sense). */
  readonly interactive: boolean;
}

export const stdio: Output = {
  line: (text = '') => void process.stdout.write(text + '\n'),
  json: (value) => void process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
  note: (text) => void process.stderr.write(text + '\n'),
  get interactive() {
    return Boolean(process.stdout.isTTY);
  },
};
