import { Box, Text, useInput } from 'ink';
import { formatDuration } from '../config/parse.ts';
import type { LatencySummary } from './latency.ts';
import type { LiveState } from './run-load.ts';

const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: number[], width = 60): string {
  const recent = values.slice(-width);
  const max = Math.max(...recent, 1);
  return recent.map((v) => BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))]).join('');
}

export function progressBar(fraction: number, width = 40): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)}s` : `${n.toFixed(n < 10 ? 1 : 0)}ms`);
const share = (n: number, of: number) => (of === 0 ? '' : ` ${((n / of) * 100).toFixed(1)}%`);

function Cell({ label, value, colour, width = 22 }: { label: string; value: string; colour?: string; width?: number }) {
  return (
    <Box width={width}>
      <Text color="gray">{label} </Text>
      <Text color={colour} bold>
        {value}
      </Text>
    </Box>
  );
}

function LatencyRow({ name, l }: { name: string; l: LatencySummary }) {
  return (
    <Box>
      <Box width={10}>
        <Text>{name}</Text>
      </Box>
      {(['p50', 'p90', 'p99', 'p99.9', 'max'] as const).map((k) => (
        <Box key={k} width={10}>
          <Text bold>{l.count ? ms(l[k]) : '–'}</Text>
        </Box>
      ))}
    </Box>
  );
}

/** The live view of `doms load`: plain props in, nothing else; the generator owns the numbers. */
export function Dashboard({ state, target, rate, title = 'doms load' }: { state: LiveState; target: string; rate: number; title?: string }) {
  const c = state.counts;
  const elapsed = Math.min(state.elapsedMs, state.durationMs);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Box justifyContent="space-between">
        <Text>
          <Text bold color="cyan">
            {title}
          </Text>{' '}
          → {target} · {rate}/s for {formatDuration(state.durationMs)}
        </Text>
        <Text color="gray">q / Ctrl-C: stop</Text>
      </Box>
      <Box>
        <Text color="cyan">{progressBar(elapsed / state.durationMs)}</Text>
        <Text>
          {' '}
          {formatDuration(elapsed)} / {formatDuration(state.durationMs)} ·{' '}
          {state.phase === 'sending' ? `${formatDuration(state.durationMs - elapsed)} left` : state.phase}
        </Text>
      </Box>

      <Box marginTop={1}>
        <Box width={14}>
          <Text bold>throughput</Text>
        </Box>
        <Cell label="offered" value={`${state.offeredRate.toFixed(0)}/s`} />
        <Cell label="sent" value={`${state.sentPerSec.toFixed(0)}/s`} />
        <Cell label="accepted" value={`${state.acceptedPerSec.toFixed(0)}/s`} />
        <Cell label="completed" value={`${state.completedPerSec.toFixed(0)}/s`} />
      </Box>
      <Box>
        <Box width={14}>
          <Text color="gray">last minute</Text>
        </Box>
        <Text color="green">{sparkline(state.completedHistory) || ' '}</Text>
      </Box>

      <Box marginTop={1}>
        <Box width={14}>
          <Text bold>outcomes</Text>
        </Box>
        <Cell label="confirmed" value={`${c.confirmed}${share(c.confirmed, c.sent)}`} colour="green" width={26} />
        <Cell label="rejected" value={`${c.rejected}${share(c.rejected, c.sent)}`} colour="yellow" width={24} />
        <Cell label="cancelled" value={`${c.cancelled}${share(c.cancelled, c.sent)}`} colour="red" width={24} />
      </Box>
      <Box>
        <Box width={14}>
          <Text> </Text>
        </Box>
        <Cell label="sent" value={`${c.sent}/${c.planned}`} width={26} />
        <Cell label="HTTP errors" value={String(c.httpErrors)} colour={c.httpErrors ? 'red' : undefined} width={24} />
        <Cell label="timeouts" value={String(c.timeouts)} colour={c.timeouts ? 'red' : undefined} width={24} />
        <Cell label="in flight" value={String(c.inFlight)} />
      </Box>
      {c.dropped + c.late > 0 && (
        <Box>
          <Box width={14}>
            <Text> </Text>
          </Box>
          <Text color="yellow">
            {c.late} late sends{c.dropped ? `, ${c.dropped} dropped at --max-in-flight` : ''}
          </Text>
        </Box>
      )}

      <Box marginTop={1} flexDirection="column">
        <Box>
          <Box width={14}>
            <Text bold>latency</Text>
          </Box>
          <Box width={10}>
            <Text> </Text>
          </Box>
          {['p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => (
            <Box key={h} width={10}>
              <Text color="gray">{h}</Text>
            </Box>
          ))}
        </Box>
        <Box marginLeft={14} flexDirection="column">
          <LatencyRow name="HTTP" l={state.http} />
          <LatencyRow name="saga" l={state.saga} />
        </Box>
      </Box>

      <Box marginTop={1}>
        <Box width={14}>
          <Text bold>consumer lag</Text>
        </Box>
        {state.lag.length === 0 ? (
          <Text color="gray">…</Text>
        ) : (
          state.lag.map((g) => <Cell key={g.service} label={g.service} value={String(g.lag)} colour={g.lag > 1000 ? 'yellow' : undefined} width={20} />)
        )}
      </Box>
    </Box>
  );
}

/** Dashboard plus the keys that stop the run. */
export function LoadApp(props: { state: LiveState; target: string; rate: number; title?: string; onStop: () => void }) {
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) props.onStop();
  });
  return <Dashboard state={props.state} target={props.target} rate={props.rate} title={props.title} />;
}
