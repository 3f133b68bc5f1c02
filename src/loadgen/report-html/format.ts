/** Numbers and dates as the HTML report writes them (en-US grouping, whatever the machine's locale). */

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
export const ms = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 1 })} ms`;
export const seconds = (n: number) => `${(n / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
export const pct = (n: number, of: number) => `${of > 0 ? ((n / of) * 100).toFixed(2) : '0.00'}%`;
/** Four significant digits: enough for a chart, and a smaller page. */
export const round3 = (n: number) => Number(n.toPrecision(4));
