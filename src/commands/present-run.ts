import { render } from 'ink';
import { createElement } from 'react';
import { ExitError } from '../errors.ts';
import { LoadApp } from '../loadgen/dashboard.tsx';
import { progressLine } from '../loadgen/format.ts';
import type { LoadResult } from '../loadgen/result.ts';
import type { LoadHooks, LiveState } from '../loadgen/run-load.ts';
import type { Output } from './output.ts';

const PROGRESS_EVERY_MS = 5_000;

/** The exit code of a run ended by a second Ctrl-C: 128 + SIGINT, as a shell reports it. */
const INTERRUPTED = 130;

/**
 * Shows a run as it goes: the Ink dashboard on a terminal, a plain progress line every few seconds
 * otherwise. `q`, Ctrl-C or SIGTERM stop the sending; the run still drains and returns its result.
 * A second Ctrl-C or SIGTERM gives up on the drain: it rejects with ExitError(130) at once, and the
 * entry point ends the process.
 */
export async function presentRun(
  run: (hooks: Pick<LoadHooks, 'onUpdate' | 'signal'>) => Promise<LoadResult>,
  view: {
    out: Output;
    dashboard: boolean;
    target: string;
    rate: number;
    title?: string;
    /** Progress lines on stderr (when stdout carries JSON); stdout otherwise. */
    progressOnStderr?: boolean;
  },
): Promise<LoadResult> {
  const { out } = view;
  const abort = new AbortController();
  const stop = () => abort.abort();
  let giveUp: (e: ExitError) => void = () => {};
  const givenUp = new Promise<never>((_, reject) => (giveUp = reject));
  const onSignal = () => (abort.signal.aborted ? giveUp(new ExitError(INTERRUPTED)) : stop());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const live = view.dashboard && out.interactive;
  const progress = view.progressOnStderr ? (line: string) => out.note(line) : (line: string) => out.line(line);
  let ink: ReturnType<typeof render> | undefined;
  let lastProgress = 0;
  const onUpdate = (state: LiveState) => {
    if (live) {
      const app = createElement(LoadApp, { state, target: view.target, rate: view.rate, title: view.title, onStop: stop });
      if (ink) ink.rerender(app);
      else ink = render(app, { exitOnCtrlC: false, patchConsole: true });
    } else if (state.elapsedMs - lastProgress >= PROGRESS_EVERY_MS || state.phase === 'done') {
      lastProgress = state.elapsedMs;
      progress(progressLine(state));
    }
  };
  const running = run({ onUpdate, signal: abort.signal });
  // After a second Ctrl-C nobody waits for the run any more: its failure must not become an unhandled rejection.
  running.catch(() => {});
  try {
    return await Promise.race([running, givenUp]);
  } finally {
    ink?.unmount();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
