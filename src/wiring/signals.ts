/** The user's Ctrl-C (SIGINT) and a supervisor's SIGTERM, as the commands wait for them: one listener per wait, removed after. */

/** Resolves with the next SIGINT or SIGTERM after the call. */
export function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = onInterrupt((signal) => {
      stop();
      resolve(signal);
    });
  });
}

/** Resolves after ms (true), or at Ctrl-C / SIGTERM (false). */
export function pauseUnlessInterrupted(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      stop();
      resolve(value);
    };
    const timer = setTimeout(() => done(true), ms);
    const stop = onInterrupt(() => done(false));
  });
}

/**
 * Calls `on` at the first SIGINT and at the first SIGTERM until the returned function is called. Once
 * each: a second Ctrl-C while the command winds down finds no listener and ends the process.
 */
export function onInterrupt(on: (signal: NodeJS.Signals) => void): () => void {
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
}
