import { soakClock } from './soak-verdict.ts';
import { int, row, rule, span } from './report-format.ts';
import type { SoakReport } from './report-types.ts';

/** The soak's verdict, its kills and how each worker came back (with --kill-every), and each worker's RSS. */
export function soakSections(sk: SoakReport): string[] {
  return [
    sk.verdict.ok ? '**Soak passed.**' : `**Soak FAILED:** ${sk.verdict.failures.join('; ')}.`,
    '',
    ...(sk.killEveryMs > 0 ? killsTable(sk) : []),
    ...rssTable(sk),
  ];
}

function killsTable(sk: SoakReport): string[] {
  return [
    `### Kills: one worker every ${span(sk.killEveryMs)} with SIGKILL, round the services, each started again at once`,
    '',
    row(['#', 'at', 'worker', 'serving again after', `lag under ${int(sk.lag.bound)} after`, 'max lag', 'longest gap in outcomes', 'HTTP errors while down']),
    rule(8),
    ...sk.kills.map((k, i) =>
      row([
        i + 1,
        soakClock(k.atMs),
        `doms ${k.service}`,
        k.upMs === undefined ? '**not back**' : `${(k.upMs / 1000).toFixed(1)} s`,
        k.recoveredMs === undefined ? '**not recovered**' : `${(k.recoveredMs / 1000).toFixed(1)} s`,
        int(k.maxLag),
        `${(k.longestOutcomeGapMs / 1000).toFixed(1)} s`,
        int(k.httpErrors),
      ]),
    ),
    '',
    `Lag is the four consumer groups' total, sampled every second: at most ${int(sk.lag.max)} messages over the run. Back to normal means under ${int(sk.lag.bound)} ` +
      '(twice the highest total before the first kill, at least one second of orders), with the restarted worker serving again: its group Stable without the dead member, ' +
      'which leaves only when its 10 s session times out (and for the order service, the API answering). ' +
      'HTTP errors while the order service restarts are requests refused by a process that is not there (one instance, no load balancer): ' +
      'never accepted, so not lost.',
    '',
  ];
}

/** Each process life's RSS, judged from its own start (a restarted worker warms up again). */
function rssTable(sk: SoakReport): string[] {
  return [
    `### RSS of each worker process at ${int(sk.rate)} orders/s for ${span(sk.durationMs)}, sampled every ${span(sk.everyMs)}`,
    '',
    row(['process', 'alive', 'first MiB', 'after its first minute', 'last', 'max', 'not ending > 10% above it']),
    rule(7),
    ...Object.entries(sk.workers).map(([name, v]) =>
      row([
        name,
        `${soakClock(v.fromMs)}–${v.untilMs === undefined ? 'end' : soakClock(v.untilMs)}`,
        int(v.firstMiB),
        v.baselineMiB === undefined ? '–' : int(v.baselineMiB),
        int(v.lastMiB),
        int(v.maxMiB),
        v.stable === undefined ? 'too short to tell' : v.stable ? 'yes' : '**no**',
      ]),
    ),
    '',
    sk.killEveryMs > 0
      ? 'Each process is judged from its own start: a worker started again after a kill is a new process, warming up as the first one did.'
      : '',
    '',
  ];
}
