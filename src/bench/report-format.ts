/** Number and table formatting, and the machine line, shared by the bench's markdown reports. */
import type { RunInfo } from './report-types.ts';

export const span = (millis: number) => (millis < 60_000 ? `${millis / 1000} s` : `${Math.round((millis / 60_000) * 10) / 10} min`);
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const us = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** A table row; a `|` inside a cell (an error message) would end the cell early. */
export const row = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
export const rule = (n: number) => row(Array.from({ length: n }, () => '---'));

/** Where and on what the figures were measured: the first line of every report. */
export function runLine(run: RunInfo): string {
  const m = run.machine;
  const speed = m.referenceMs === undefined ? '' : ` · reference workload ${m.referenceMs} ms CPU (lower is a faster core)`;
  return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}${speed} · ${run.date.slice(0, 16).replace('T', ' ')} UTC · commit ${run.commit}`;
}
