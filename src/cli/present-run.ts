import { render } from 'ink';
import { createElement } from 'react';
import { printLine } from './output.ts';
import { LoadApp } from '../loadgen/dashboard.tsx';
import { progressLine } from '../loadgen/format.ts';
import type { LoadResult } from '../loadgen/result.ts';
import type { LoadHooks, LiveState } from '../loadgen/run-load.ts';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Shows a run as it goes: the Ink dashboard on a terminal, a plain progress line every few seconds
 * otherwise. `q`, Ctrl-C or SIGTERM stop the sending; the run still drains and returns its result.
 */
export async function presentRun(
  run: (hooks: Pick<LoadHooks, 'onUpdate' | 'signal'>) => Promise<LoadResult>,
  view: {
    dashboard: boolean;
    target: string;
    rate: number;
    title?: string;
    /** Where progress lines go (stderr when stdout carries JSON). */ progressTo?: (line: string) => void;
  },
): Promise<LoadResult> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  const onSignal = () => (abort.signal.aborted ? process.exit(130) : stop());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const live = view.dashboard && Boolean(process.stdout.isTTY);
  let ink: ReturnType<typeof render> | undefined;
  let lastProgress = 0;
  const onUpdate = (state: LiveState) => {
    if (live) {
      const app = createElement(LoadApp, { state, target: view.target, rate: view.rate, title: view.title, onStop: stop });
      if (ink) ink.rerender(app);
      else ink = render(app, { exitOnCtrlC: false, patchConsole: true });
    } else if (state.elapsedMs - lastProgress >= PROGRESS_EVERY_MS || state.phase === 'done') {
      lastProgress = state.elapsedMs;
      (view.progressTo ?? printLine)(progressLine(state));
    }
  };
  try {
    return await run({ onUpdate, signal: abort.signal });
  } finally {
    ink?.unmount();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
