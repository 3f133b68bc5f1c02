import { describe, expect, it } from 'vitest';
import { reportHtml, type MachineInfo } from '../../../src/loadgen/report-html.ts';
import { histogramShares } from '../../../src/loadgen/report-html/chart-data.ts';
import { jsonForScript } from '../../../src/loadgen/report-html/escape.ts';
import { parseThreshold } from '../../../src/loadgen/thresholds.ts';
import { resultOf } from '../../helpers/load-results.ts';

const machine: MachineInfo = { hostname: 'bench-1', cpu: 'AMD EPYC 7B13', cores: 2, memoryBytes: 24 * 1024 ** 3, node: 'v20.20.2', os: 'Linux 6.1' };
const library = { js: 'var uPlot=function(){return "lib-marker"};', css: '.uplot{font-family:x}' };
const EVIL = '</script><script>alert(1)</script>';

function report(extra: { config?: Record<string, unknown>; lag?: boolean } = {}) {
  const result = resultOf(
    { rate: 100, durationMs: 3000, timeoutMs: 1000, thresholds: [parseThreshold('saga.p99<500ms'), parseThreshold('confirmed>90%')] },
    { confirmed: 250, rejected: 20, cancelled: 10, httpErrors: 5, timeouts: 3 },
    {
      config: extra.config ?? { rate: 100, target: 'http://localhost:8081', items: { min: 1, max: 3 } },
      sagaMs: (n) => 20 + (n % 50),
      lagSeries: extra.lag === false ? undefined : [0, 1, 2].map((second) => ({ second, lag: { order: second * 3, payment: 1 } })),
    },
  );
  result.startedAt = '2026-11-25T18:09:41.858Z';
  return { result, html: reportHtml(result, machine, library) };
}

/** The chart data as the page script reads it. */
function dataOf(html: string): Record<string, unknown> {
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  return JSON.parse(json) as Record<string, unknown>;
}

describe('the HTML report', () => {
  it('has a title with the date and rate, and every section', () => {
    const { html } = report();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>doms load — 2026-11-25 18:09:41 UTC — 100/s</title>');
    for (const id of ['summary', 'throughput', 'latency-over-time', 'histogram', 'outcomes', 'lag', 'thresholds', 'configuration', 'machine'])
      expect(html, id).toContain(`<section id="${id}">`);
    for (const chart of ['chart-throughput', 'chart-latency', 'chart-histogram-saga', 'chart-histogram-http', 'chart-lag'])
      expect(html).toContain(`id="${chart}"`);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('shows outcomes, thresholds with their verdicts, the configuration and the machine', () => {
    const { html } = report();
    expect(html).toMatch(/confirmed<\/th><td class="num">250<\/td><td class="num">86\.81%/);
    expect(html).toMatch(/HTTP errors<\/th><td class="num">5</);
    expect(html).toMatch(/timeouts<\/th><td class="num">3</);
    expect(html).toMatch(/<code>saga\.p99&lt;500ms<\/code><\/td><td class="num">[\d.]+ms<\/td><td class="pass">pass/);
    expect(html).toMatch(/<code>confirmed&gt;90%<\/code><\/td><td class="num">86\.81%<\/td><td class="fail">fail/);
    expect(html).toContain('<th scope="row">items</th><td>{&quot;min&quot;:1,&quot;max&quot;:3}</td>');
    for (const text of ['bench-1', 'AMD EPYC 7B13', '24.0 GiB', 'v20.20.2', 'Linux 6.1', '2026-11-25T18:09:41.858Z']) expect(html).toContain(text);
  });

  it('carries the per-second series, histogram and lag as JSON for the charts', () => {
    const { result, html } = report();
    const data = dataOf(html) as { time: Record<string, unknown[]>; histogram: Record<'saga' | 'http', { edges: number[]; shares: number[] }>; lag: unknown };
    expect(data.time.second).toEqual(result.series.map((s) => s.second));
    // 288 orders, 100 due a second; the timeouts expire in second 3.
    expect(data.time.offered).toEqual([100, 100, 88, 0]);
    expect(data.time.p99!.slice(0, 3).every((v) => typeof v === 'number' && v > 20 && v < 80)).toBe(true);
    for (const kind of ['saga', 'http'] as const) {
      const h = data.histogram[kind];
      expect(h.edges, kind).toHaveLength(41);
      expect(h.shares, kind).toHaveLength(40);
      expect(h.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    }
    // Each over its own range: the saga's bins start about where its fastest order ended.
    expect(data.histogram.saga.edges[0]).toBeCloseTo(result.latency.saga.min, 0);
    expect(data.lag).toEqual({
      second: [0, 1, 2],
      services: [
        { name: 'order', values: [0, 3, 6] },
        { name: 'payment', values: [1, 1, 1] },
      ],
    });
  });

  it('leaves the lag chart out when the run had no lag source', () => {
    const { html } = report({ lag: false });
    expect(html).not.toContain('id="chart-lag"');
    expect(dataOf(html).lag).toBeNull();
  });

  it('keeps a hostile configuration value inert, in the HTML and in the JSON', () => {
    const { html } = report({ config: { rate: 100, seed: EVIL, [EVIL]: 'key' } });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('alert(1)</script>');
    // Exactly the three script blocks of the page: the data, the library, the page script.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(jsonForScript({ seed: EVIL })).toBe('{"seed":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}');
    expect(JSON.parse(jsonForScript({ seed: EVIL }))).toEqual({ seed: EVIL });
  });

  it('inlines the charting library and loads nothing from the network', () => {
    const { html } = report();
    expect(html).toContain(`<script>${library.js}</script>`);
    expect(html).toContain(`<style>${library.css}</style>`);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-[^"]+&#39; &#39;sha256-/);
  });

  it('reports a run that sent nothing, and an interrupted one', () => {
    const empty = resultOf({ rate: 10, durationMs: 1000, timeoutMs: 1000, thresholds: [] }, {});
    empty.interrupted = true;
    const html = reportHtml(empty, machine, library);
    expect(dataOf(html)).toMatchObject({ histogram: { saga: null, http: null }, lag: null });
    expect(html).toContain('<strong>interrupted</strong>');
    expect(html).toContain('No --threshold given.');
  });

  it('keeps a `</script` inside the library from ending its block', () => {
    const html = reportHtml(report().result, machine, { js: 'var s = "</script>";', css: '' });
    expect(html).toContain('<script>var s = "<\\/script>";</script>');
  });
});

describe('histogram shares', () => {
  it('spreads the orders between percentile points over the bins', () => {
    const points: [number, number][] = [
      [0, 10],
      [50, 20],
      [100, 40],
    ];
    expect(histogramShares(points, [10, 20, 30, 40])).toEqual([50, 25, 25]);
    expect(
      histogramShares(
        [
          [0, 5],
          [100, 5],
        ],
        [5, 6],
      ),
    ).toEqual([100]);
  });
});
