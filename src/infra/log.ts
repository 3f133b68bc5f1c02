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
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  write?: (line: string) => void;
}

/** Worker logs: one line per event, human text by default, NDJSON for collectors. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const write = options.write ?? writeStdout;

  const log = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[lvl] < RANK[level]) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      write(JSON.stringify({ time, level: lvl, component, msg, ...fields }));
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
    child: (sub) => createLogger(sub, options),
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
