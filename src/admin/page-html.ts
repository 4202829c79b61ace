/**
 * The dashboard's one HTML page and its style. The numbers are filled in by the page's script
 * (page/main.ts); every element it fills has an id, which the browser test reads too.
 */

const style = `
:root { color-scheme: light dark; --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #677085; --line: #e2e5ea;
  --ok: #1a7f37; --warn: #b26b00; --bad: #c62828; --accent: #2f6fdf; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --panel: #1a1f26; --ink: #e6e9ef; --muted: #9aa3b2; --line: #2c333d;
  --ok: #4cc38a; --warn: #f0b429; --bad: #ff6b6b; --accent: #6ea8fe; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
#server { color: var(--muted); }
#live { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: var(--line); }
#live.on { background: color-mix(in srgb, var(--ok) 20%, transparent); color: var(--ok); }
#live.off { background: color-mix(in srgb, var(--bad) 20%, transparent); color: var(--bad); }
#actions { display: flex; align-items: center; gap: 6px; }
#actions[hidden] { display: none; }
button { font: inherit; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--ink); cursor: pointer; }
button:disabled { opacity: .5; cursor: wait; }
#action-result { color: var(--muted); font-size: 12px; }
main { padding: 16px 20px; display: grid; gap: 16px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 22px; font-variant-numeric: tabular-nums; font-weight: 600; }
.tile.bad .value { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 10px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; overflow-x: auto; }
.panel h2 { font-size: 13px; font-weight: 600; margin: 0 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .4px; }
.panel[hidden] { display: none; }
.chart { min-height: 170px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 10px; }
.wide { grid-column: 1 / -1; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
tr.draining td { color: var(--muted); }
td.bad { color: var(--bad); font-weight: 600; }
td.warn { color: var(--warn); }
.empty { color: var(--muted); font-style: italic; }
#events { list-style: none; padding: 0; margin: 0; max-height: 220px; overflow: auto; font-size: 13px; }
#events li { padding: 2px 0; border-bottom: 1px solid var(--line); }
#events time { color: var(--muted); margin-right: 8px; font-variant-numeric: tabular-nums; }
#events li.exit { color: var(--warn); }
footer { padding: 8px 20px 20px; color: var(--muted); font-size: 12px; }
.u-legend { font-size: 12px; }
`

const tile = (id: string, label: string) => `<div class="tile" id="tile-${id}"><div class="label">${label}</div><div class="value" id="stat-${id}">–</div></div>`
interface Look { wide?: boolean; hidden?: boolean }
const panel = (id: string, title: string, body: string, look: Look = {}) =>
  `<section class="panel${look.wide ? ' wide' : ''}" id="panel-${id}"${look.hidden ? ' hidden' : ''}><h2>${title}</h2>${body}</section>`
const chart = (id: string, title: string, look: Look = {}) => panel(`chart-${id}`, title, `<div class="chart" id="chart-${id}"></div>`, look)

export function pageHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corral dashboard</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%232f6fdf'/%3E%3C/svg%3E">
<link rel="stylesheet" href="/dashboard/assets/uplot.css">
<style>${style}</style>
</head>
<body>
<header>
  <h1>corral</h1>
  <span id="server">connecting…</span>
  <div id="actions" hidden>
    <button id="reload" title="Roll every worker onto a new generation (like SIGHUP)">Reload</button>
    <button id="scale-down" title="One worker fewer">−</button>
    <span>workers <b id="target">–</b></span>
    <button id="scale-up" title="One worker more">+</button>
    <span id="action-result"></span>
  </div>
  <span id="live">connecting</span>
</header>
<main>
  <section class="tiles">
    ${tile('rps', 'Requests / s')}${tile('p50', 'Latency p50')}${tile('p95', 'p95')}${tile('p99', 'p99')}
    ${tile('inflight', 'In flight')}${tile('errors', '5xx / s')}${tile('total', 'Requests served')}${tile('restarts', 'Restarts')}
  </section>
  <section class="charts">
    ${chart('rps', 'Requests per second')}
    ${chart('latency', 'Latency (ms)')}
    ${chart('load', 'In flight and ready workers')}
    ${chart('loop', 'Event loop: worst lag (ms), mean utilisation (%)')}
    ${chart('memory', 'Memory: RSS of all workers (MB)')}
    ${chart('io', 'Upstream calls / s, database connections in use, jobs queued', { hidden: true })}
    ${chart('overload', 'Overload control', { hidden: true })}
  </section>
  <section class="tables">
    ${panel('workers', 'Workers', '<table id="workers"></table>', { wide: true })}
    ${panel('codes', 'Status codes', '<table id="codes"></table>')}
    ${panel('restarts', 'Restarts by reason', '<table id="restarts"></table>')}
    ${panel('upstreams', 'Upstreams', '<table id="upstreams"></table>', { hidden: true, wide: true })}
    ${panel('pools', 'Database pools', '<table id="pools"></table>', { hidden: true })}
    ${panel('queues', 'Job queues', '<table id="queues"></table>', { hidden: true })}
    ${panel('caches', 'Caches', '<table id="caches"></table>', { hidden: true })}
    ${panel('overload', 'Overload', '<table id="overload"></table>', { hidden: true })}
    ${panel('events', 'Recent events', '<ul id="events"></ul>', { wide: true })}
  </section>
</main>
<footer>corral ${version} · <span id="pace"></span> · <a href="/status">/status</a> · <a href="/metrics">/metrics</a></footer>
<script src="/dashboard/assets/uplot.js"></script>
<script type="module" src="/dashboard/assets/main.js"></script>
</body>
</html>
`
}
