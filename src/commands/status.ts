import chalk from 'chalk';
import { defineCommand, optionalValueFlag, switchFlag, valueFlag } from './command.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import { colourStatus, table, type Output } from './output.ts';
import { formatDuration, parseDuration } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { OrderStatuses } from '../services/order/status.ts';
import { judge, workerProcesses, type StatusSnapshot, type Verdict } from '../saga/status/health.ts';

export interface StatusOptions {
  settings: { brokers: string[]; redisUrl: string; databaseUrl: string; topicPrefix: string; redisNamespace: string };
  /** Orders per status are counted over this recent window. */
  windowMs: number;
  /** null: once; otherwise redraw this often until interrupted. */
  watchMs: number | null;
  json: boolean;
}

/** The saga as status sees it, one read per call; `close` lets go of the connections. */
export interface StatusReader {
  read(): Promise<StatusSnapshot>;
  close(): Promise<void>;
}

export interface StatusCommandDeps {
  out: Output;
  connect(settings: StatusOptions['settings'], windowMs: number): Promise<StatusReader>;
  /** Resolves after ms, or early (false) when the user interrupts: --watch stops then. */
  pause(ms: number): Promise<boolean>;
  /** Clears the terminal between --watch frames (not in a pipe). */
  clear(): void;
}

/** `doms status`: its flags, settings, help and runner. */
export const statusCommand = defineCommand({
  name: 'status',
  summary: 'health of the running saga: workers, lag, outbox, dead letters',
  description:
    "Show the running saga's health: Kafka, Redis and PostgreSQL reachability and round trip; each service's consumer group (members, lag, " +
    'last commit); the outbox backlog; dead letters; orders per status over a recent window. Exit 1 when something is unhealthy.',
  flags: {
    watch: optionalValueFlag('--watch [interval]', 'redraw every interval (default 2s) until Ctrl-C'),
    window: valueFlag('--window <duration>', 'count orders per status created within this window', '5m', parseDuration),
    json: switchFlag('--json', 'print the status as JSON (one object per line with --watch)'),
  },
  settings: ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace'],
  examples: ['doms status', 'doms status --watch', 'doms status --json | jq .groups', 'doms status >/dev/null || echo unhealthy'],
  options: ({ flags: f, settings }): StatusOptions => {
    const windowMs = f.window;
    if (windowMs < 1000) throw new UsageError('invalid --window: must be at least 1s');
    const watch = f.watch;
    const watchMs = watch === false ? null : watch === true ? 2000 : parseFlag('--watch', () => parseDuration(watch));
    if (watchMs !== null && watchMs < 200) throw new UsageError('invalid --watch: must be at least 200ms');
    return { settings: { ...settings }, windowMs, watchMs, json: f.json };
  },
  run: async (options, out) => status(options, { out, ...(await import('../wiring/command-deps.ts')).statusAdapters((line) => out.note(line)) }),
});

export const statusOptions = (inv: Invocation): StatusOptions => statusCommand.parse(inv);

/** `doms status`: health of the running saga; 0 healthy, 1 not (with one line per problem). */
export async function status(options: StatusOptions, deps: StatusCommandDeps): Promise<number> {
  const { out } = deps;
  const reader = await deps.connect(options.settings, options.windowMs);
  try {
    for (;;) {
      const snapshot = await reader.read();
      const verdict = judge(snapshot);
      if (options.json) out.line(JSON.stringify({ ...snapshot, ...verdict }));
      else {
        if (options.watchMs !== null && out.interactive) deps.clear();
        render(out, snapshot, verdict);
      }
      if (options.watchMs === null || !(await deps.pause(options.watchMs))) return verdict.healthy ? 0 : 1;
      if (!options.json && !out.interactive) out.line('');
    }
  } finally {
    await reader.close();
  }
}

const ago = (ms: number | null) => (ms === null ? 'never' : `${formatDuration(ms)} ago`);

function render(out: Output, s: StatusSnapshot, v: Verdict): void {
  out.line(s.components.map((c) => `${c.name} ${c.ok ? chalk.green('up') : chalk.red('DOWN')}${c.ok ? ` ${c.rttMs} ms` : ` (${c.error})`}`).join('   '));
  if (s.groups.length)
    out.line(
      table(
        ['service', 'consumer group', 'members', 'state', 'partitions', 'lag', 'last commit'],
        s.groups.map((g) => [g.service, g.group, g.members === 0 ? chalk.red('0') : g.members, g.state, g.partitions.length, g.lag, ago(g.lastCommitAgeMs)]),
      ),
    );
  const processes = workerProcesses(s.groups);
  if (processes.length)
    out.line(`worker processes: ${processes.length}\n${processes.map((p) => `  ${p.clientId} on ${p.host}: ${p.services.join(', ')}`).join('\n')}`);
  if (s.stock) out.line(`stock: ${s.stock.products} products in Redis under ${s.stock.namespace}:`);
  if (s.outbox)
    out.line(`outbox: ${s.outbox.backlog} unpublished${s.outbox.oldestAgeMs === null ? '' : `, the oldest for ${formatDuration(s.outbox.oldestAgeMs)}`}`);
  if (s.orders) {
    const counts = OrderStatuses.map((st) => `${colourStatus(st)} ${s.orders!.byStatus[st] ?? 0}`).join(' · ');
    out.line(`orders created in the last ${formatDuration(s.orders.windowMs)}: ${counts}`);
  }
  for (const note of v.notes) out.line(chalk.yellow(note));
  if (v.healthy) out.line(chalk.green('healthy'));
  else for (const p of v.problems) out.line(chalk.red(`✗ ${p}`));
}
