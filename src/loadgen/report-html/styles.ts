/**
 * The HTML report's stylesheet, inlined into its one <style> block of its own (beside uPlot's):
 * the page loads nothing from the network. Kept here, apart from the markup, so a change of look
 * touches one file.
 */
export const PAGE_CSS = `
:root { --fg: #1d2330; --muted: #5b6474; --line: #dde1e8; --bg: #fff; --panel: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 16px; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.45rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 0 0 8px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
.sub, .note, footer { color: var(--muted); font-size: 0.9rem; }
.note { margin: 0 0 8px; }
section { margin: 20px 0; padding: 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; }
.card { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.card .value { font-size: 1.25rem; font-weight: 600; }
.card .detail { color: var(--muted); font-size: 0.8rem; }
.chart { width: 100%; min-height: 40px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; white-space: nowrap; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 35%; font-weight: 500; color: var(--muted); white-space: normal; }
table.kv td { white-space: normal; overflow-wrap: anywhere; }
.pass { color: #17803d; font-weight: 600; }
.fail { color: #c62828; font-weight: 600; }
.outcome-bar { display: flex; height: 22px; border-radius: 4px; overflow: hidden; background: var(--panel); margin-bottom: 8px; }
.outcome-bar span { display: block; height: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.o-confirmed { background: #2e9d57; } .o-rejected { background: #e0a526; } .o-cancelled { background: #8a63c9; }
.o-http { background: #d64541; } .o-timeout { background: #7b1f1f; } .o-inflight { background: #9aa3af; }
.empty { color: var(--muted); font-style: italic; }
.uplot { font-family: inherit; }
@media (max-width: 600px) {
  body { padding: 8px; font-size: 14px; }
  section { padding: 10px; }
  h1 { font-size: 1.2rem; }
}
`;
