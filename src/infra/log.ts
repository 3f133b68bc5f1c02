import { writeSync } from 'node:fs';
import chalk from 'chalk';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const COLOUR: Record<LogLevel, (s: string) => string> = {
  debug: chalk.gray,
  info: chalk.cyan,
  warn: chalk.yellow,
  error: chalk.red,
};

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * A logger for a part of this one: its lines name `component`, and carry `bound` on every line. A
   * `service` among them names the saga service the lines belong to (else the parent's is kept).
   */
  child(component: string, bound?: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  write?: (line: string) => void;
  /** The service the lines belong to (order, inventory, payment, notification); default: the component. */
  service?: string;
  /** Fields on every line, before each call's own. */
  bound?: LogFields;
}

/**
 * Worker logs: one line per event, human text by default, NDJSON for collectors. A JSON line is
 * `{time, level, service, component, msg, ...fields}`; per-order lines carry `orderId`, and `topic`,
 * `partition` and `offset` when they are about a message that was read.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const write = options.write ?? writeStdout;
  const service = options.service ?? component;
  const bound = options.bound ?? {};
  const hasBound = Object.keys(bound).length > 0;

  const log = (lvl: LogLevel, msg: string, own: LogFields = {}) => {
    if (RANK[lvl] < RANK[level]) return;
    const time = new Date().toISOString();
    const fields = hasBound ? { ...bound, ...own } : own;
    if (format === 'json') {
      write(JSON.stringify({ time, level: lvl, service, component, msg, ...fields }));
      return;
    }
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${chalk.gray(time)} ${COLOUR[lvl](lvl.toUpperCase().padEnd(5))} ${chalk.bold(component.padEnd(12))} ${msg}${extra ? ' ' + chalk.gray(extra) : ''}`);
  };

  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (sub, more = {}) => {
      const { service: named, ...rest } = more;
      return createLogger(sub, { ...options, service: typeof named === 'string' ? named : service, bound: { ...bound, ...rest } });
    },
  };
}

/** For library code under test: drops everything. */
export const silentLogger: Logger = createLogger('silent', { write: () => {}, level: 'error' });

let pending: string[] = [];
let flushScheduled = false;

/**
 * Log lines of one turn of the event loop go to stdout in one write: a worker logs a line or two per
 * order at info level, and a write per line would cost a system call each. Whatever is still pending
 * when the process exits is written synchronously, so nothing is lost on a normal or error exit.
 */
function writeStdout(line: string): void {
  pending.push(line);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushStdout);
}

function flushStdout(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const text = pending.join('\n') + '\n';
  pending = [];
  process.stdout.write(text);
}

process.on('exit', () => {
  if (pending.length === 0) return;
  const text = pending.join('\n') + '\n';
  pending = [];
  writeSync(1, text);
});
