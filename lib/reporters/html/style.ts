// The HTML report's stylesheet.
export const STYLE = String.raw`
:root {
  --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --accent: #0969da; --hit: #c026d3; --used: #2f81f7; --committed: #9ec5fe; --warn: #d1242f;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); font: 14px/1.45 var(--sans); }
body { margin: 0; }
main { max-width: 1360px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; font-weight: 600; }
h1 .brand { color: var(--accent); }
h2 { font-size: 17px; margin: 0 0 10px; font-weight: 600; }
h2 .sub { font-weight: 400; color: var(--muted); font-size: 13px; margin-left: 8px; }
section { margin-top: 22px; padding: 16px 18px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
.meta { color: var(--muted); font-size: 13px; }
.cmd { font-family: var(--mono); font-size: 13px; color: var(--fg); word-break: break-all; }
.note { color: var(--muted); font-style: italic; margin: 6px 0; }
.mono { font-family: var(--mono); font-size: 12.5px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { flex: 1 1 150px; padding: 10px 14px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .d { color: var(--muted); font-size: 12px; }

/* flame graph (icicle: the root on top) */
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-bottom: 8px; }
.toolbar input[type=search] { font: 13px var(--sans); padding: 5px 9px; width: 280px; border: 1px solid var(--line); border-radius: 6px; }
.toolbar button { font: 13px var(--sans); padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
.toolbar button:disabled { opacity: .5; cursor: default; }
.toolbar .toggle { font-size: 13px; display: inline-flex; align-items: center; gap: 5px; cursor: pointer; user-select: none; }
.views { display: flex; gap: 0; margin-bottom: 8px; }
.views .view { font: 13px var(--sans); padding: 4px 12px; border: 1px solid var(--line); background: var(--panel); cursor: pointer; margin-right: -1px; }
.views .view:first-child { border-radius: 6px 0 0 6px; }
.views .view:last-child { border-radius: 0 6px 6px 0; }
.views .view.current { background: var(--line); font-weight: 600; cursor: default; }
.toolbar .matches { color: var(--muted); font-size: 13px; font-variant-numeric: tabular-nums; }
.toolbar .matches.some { color: var(--hit); font-weight: 600; }
.crumbs { font-size: 12.5px; color: var(--muted); margin-bottom: 6px; min-height: 18px; overflow-wrap: anywhere; }
.crumbs button { font: inherit; border: 0; background: none; color: var(--accent); padding: 0; cursor: pointer; }
.crumbs button:hover { text-decoration: underline; }
.crumbs .sep { margin: 0 5px; color: var(--muted); }
.flame { position: relative; width: 100%; overflow: hidden; font: 12px/17px var(--sans); user-select: none; }
.flame-scroll { max-height: 78vh; overflow-y: auto; overflow-x: hidden; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
.frame { position: absolute; height: 17px; padding: 0; text-indent: 4px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;
  color: #1b1b1b; border-right: 1px solid rgba(255,255,255,.8); border-bottom: 1px solid rgba(255,255,255,.8); cursor: pointer; }
.frame:hover { filter: brightness(1.12); outline: 1px solid rgba(0,0,0,.45); outline-offset: -1px; z-index: 1; }
.frame.ancestor { opacity: .55; }
.frame .floc { color: rgba(0,0,0,.55); font-size: 11px; margin-left: 8px; text-indent: 0; }
.frame.hit .floc { color: rgba(255,255,255,.8); }
.frame.k3 { color: #333; }
.frame.marker { color: #57606a; font-style: italic; background-image: repeating-linear-gradient(135deg, rgba(0,0,0,.05) 0 4px, transparent 4px 8px) !important; }
.flame.searching .frame:not(.hit) { opacity: .28; }
.frame.hit { background: var(--hit) !important; color: #fff; opacity: 1 !important; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 8px; }
.legend .sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.tip { position: fixed; z-index: 10; pointer-events: none; max-width: 560px; padding: 8px 10px; font-size: 12.5px;
  background: rgba(27,31,36,.95); color: #f6f8fa; border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.25); display: none; }
.tip .fn { font-weight: 600; overflow-wrap: anywhere; }
.tip .hint { color: #8b949e; font-size: 11.5px; margin-top: 4px; }
.tip .loc { font-family: var(--mono); font-size: 11.5px; color: #c9d1d9; overflow-wrap: anywhere; margin-bottom: 4px; }
.tip table { border-collapse: collapse; }
.tip td { padding: 0 10px 0 0; font-variant-numeric: tabular-nums; }
.tip td:first-child { color: #9da7b3; }

/* tables */
.table-wrap { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data th, table.data td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data th { background: var(--panel); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
table.data th.sortable { cursor: pointer; }
table.data th.sortable:hover { color: var(--accent); }
table.data th .arrow { display: inline-block; width: 12px; color: var(--accent); }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.fn { font-weight: 500; overflow-wrap: anywhere; }
table.data td.loc { font-family: var(--mono); font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
table.data tbody tr:hover { background: #f3f6fa; }
.sharebar { display: inline-block; height: 8px; background: var(--used); border-radius: 2px; margin-right: 6px; vertical-align: 0; opacity: .75; }
.find { border: 0; background: none; cursor: pointer; color: var(--accent); padding: 0 0 0 6px; font-size: 12px; }

/* timeline */
.chart { width: 100%; }
.chart .u-legend { font-size: 12.5px; }
.gc-key { font-size: 12px; color: var(--muted); margin-top: 4px; }
.gc-key .sw { display: inline-block; width: 11px; height: 11px; margin: 0 5px 0 12px; vertical-align: -1px; }

/* bars */
.bars { display: grid; grid-template-columns: minmax(140px, max-content) 1fr minmax(260px, max-content); gap: 6px 14px; align-items: center; font-size: 13px; }
.bars .name { font-family: var(--mono); font-size: 12.5px; }
.bars .fig { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.track { position: relative; height: 16px; }
.track .outer { position: absolute; top: 0; bottom: 0; left: 0; background: var(--committed); border-radius: 3px; }
.track .inner { position: absolute; top: 0; bottom: 0; left: 0; background: var(--used); border-radius: 3px 0 0 3px; }
.stack { display: flex; height: 20px; border-radius: 4px; overflow: hidden; margin: 6px 0; }
.stack > div { height: 100%; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 22px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } .bars { grid-template-columns: 1fr; } }
h3 { font-size: 14px; margin: 14px 0 6px; font-weight: 600; }
/* leaks */
.verdict { font-weight: 600; margin: 8px 0; }
.verdict.ok { color: #1a7f37; }
.verdict.bad { color: var(--warn); }
.suspect { border-top: 1px solid var(--line); padding-top: 6px; margin-top: 10px; }
.suspect h3 { font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
.stacktrace { font-family: var(--mono); font-size: 12px; color: var(--muted); margin: 6px 0; overflow-wrap: anywhere; }
.stacktrace .top { color: var(--fg); }
.chain { font-size: 13px; margin: 6px 0; line-height: 1.9; overflow-wrap: anywhere; }
.chain .ctor { font-weight: 600; margin-right: 10px; }
.chain .step { font-family: var(--mono); font-size: 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 1px 6px; }
.chain .edge { color: var(--accent); }
.chain .arrow { color: var(--muted); margin: 0 5px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; text-align: center; }
`;
