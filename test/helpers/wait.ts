/** Polls `probe` until it returns a value other than undefined/false, or fails with the last value seen. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, { timeout = 20_000, interval = 50, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (e: unknown) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout}ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
