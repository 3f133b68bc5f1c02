/** Things arriving from elsewhere (requests, consumed records), taken n at a time in arrival order. */
export class Queue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;

  put(items: readonly T[]): void {
    for (const item of items) this.items.push(item);
    this.wake?.();
  }

  async take(n: number): Promise<T[]> {
    while (this.items.length < n) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    return this.items.splice(0, n);
  }
}
