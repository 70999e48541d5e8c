// The HTML report's script: reads the JSON data element and builds the page.
// Every name from the profile enters the DOM through textContent (never as
// markup). It runs in the browser, so it is a string here: no template
// literals inside (this file is itself one), no imports.
export const CLIENT_SCRIPT = String.raw`
(function () {
'use strict';
var D = JSON.parse(document.getElementById('allocscope-data').textContent);

// ---- helpers -------------------------------------------------------------
function $(id) { return document.getElementById(id); }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
function bytes(value) {
  if (value === null || value === undefined) return '–';
  if (!isFinite(value)) return String(value);
  var sign = value < 0 ? '-' : '', v = Math.abs(value), u = 0;
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
  return sign + (u === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) + ' ' + UNITS[u];
}
function pct(r) {
  if (!isFinite(r)) return '–';
  var p = r * 100;
  return p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1) + ' %';
}
function ms(v) {
  if (v === 0) return '0 ms';
  if (v < 1) return (v * 1000).toFixed(0) + ' µs';
  if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
  return v.toFixed(v < 10 ? 2 : 1) + ' ms';
}
function count(n) { return Math.round(n).toLocaleString('en-US'); }
function note(parent, text) { parent.appendChild(el('p', 'note', text)); }
function hash(s) {
  var h = 2166136261;
  for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return ((h >>> 0) % 1000) / 1000;
}

// ---- a sortable table ------------------------------------------------------
// columns: { label, num?, get(row) → raw value, fmt?(value, row) → text | Node, cls? }
function table(columns, rows, initial) {
  var t = el('table', 'data'), thead = el('thead'), tbody = el('tbody'), hr = el('tr');
  var state = { col: -1, desc: true };
  var ths = columns.map(function (c, ci) {
    var th = el('th', (c.num ? 'num ' : '') + 'sortable');
    th.appendChild(document.createTextNode(c.label));
    var arrow = el('span', 'arrow');
    th.appendChild(arrow);
    th.setAttribute('aria-sort', 'none');
    th.title = 'sort by ' + c.label;
    th.addEventListener('click', function () { sort(ci, state.col === ci ? !state.desc : c.num !== false && c.num); });
    hr.appendChild(th);
    return { th: th, arrow: arrow };
  });
  thead.appendChild(hr);
  t.appendChild(thead);
  t.appendChild(tbody);
  var trs = rows.map(function (row) {
    var tr = el('tr');
    columns.forEach(function (c) {
      var v = c.get(row), td = el('td', (c.num ? 'num ' : '') + (c.cls || ''));
      var shown = c.fmt ? c.fmt(v, row) : v;
      if (shown instanceof Node) td.appendChild(shown); else td.textContent = shown === null || shown === undefined ? '' : String(shown);
      td.dataset.v = typeof v === 'number' ? String(v) : '';
      tr.appendChild(td);
    });
    return { tr: tr, row: row };
  });
  function sort(ci, desc) {
    var c = columns[ci];
    state.col = ci; state.desc = desc;
    trs.sort(function (a, b) {
      var x = c.get(a.row), y = c.get(b.row), r;
      if (typeof x === 'number' && typeof y === 'number') r = x - y;
      else r = String(x).localeCompare(String(y));
      return desc ? -r : r;
    });
    ths.forEach(function (h, i) {
      h.arrow.textContent = i === ci ? (desc ? '▾' : '▴') : '';
      h.th.setAttribute('aria-sort', i === ci ? (desc ? 'descending' : 'ascending') : 'none');
    });
    var frag = document.createDocumentFragment();
    trs.forEach(function (x) { frag.appendChild(x.tr); });
    tbody.appendChild(frag);
  }
  if (initial) sort(initial.col, initial.desc); else trs.forEach(function (x) { tbody.appendChild(x.tr); });
  var wrap = el('div', 'table-wrap');
  wrap.appendChild(t);
  return wrap;
}

// ---- header ----------------------------------------------------------------
function header() {
  var m = D.meta, P = D.profile, g = D.gc;
  var seconds = (m.endTimeMs - m.startTimeMs) / 1000;
  var script = (m.argv[0] || '').split(/[\\/]/).pop();
  document.title = 'allocscope · ' + (script || 'report');
  $('cmd').textContent = m.argv.join(' ');
  $('meta').textContent = 'node ' + m.node + ' (V8 ' + m.v8 + ') · ' + m.platform + '/' + m.arch + ' · pid ' + m.pid + ' · ' +
    new Date(m.startTimeMs).toISOString() + ' · ' + seconds.toFixed(2) + ' s · captured at ' + m.reason +
    (m.exitCode !== undefined && m.exitCode !== null ? ' (exit code ' + m.exitCode + ')' : '');
  var cards = $('cards');
  function card(k, v, d) {
    var c = el('div', 'card');
    c.appendChild(el('div', 'k', k));
    c.appendChild(el('div', 'v', v));
    if (d) c.appendChild(el('div', 'd', d));
    cards.appendChild(c);
  }
  if (P) card(P.mode === 'live' ? 'Live (in use)' : 'Allocated', bytes(P.totalBytes), '~' + count(P.totalObjects) + ' objects · sampled every ' + bytes(P.intervalBytes));
  if (P && P.totalLiveBytes !== undefined) {
    card('Temporary', bytes(P.totalTemporaryBytes), 'allocated and collected within its fold window · live ' + bytes(P.totalLiveBytes));
  }
  var peakUsed = 0, peakCommitted = 0, peakRss = 0, i;
  var tl = D.timeline;
  for (i = 0; i < tl.timeMs.length; i++) {
    peakUsed = Math.max(peakUsed, tl.heapUsedBytes[i]); peakCommitted = Math.max(peakCommitted, tl.heapCommittedBytes[i]); peakRss = Math.max(peakRss, tl.rssBytes[i]);
  }
  if (tl.rss) tl.rss.bytes.forEach(function (b) { peakRss = Math.max(peakRss, b); });
  D.gcEvents.forEach(function (e) { peakUsed = Math.max(peakUsed, e[4]); peakCommitted = Math.max(peakCommitted, e[6], e[7]); });
  peakUsed = Math.max(peakUsed, D.heap.usedHeapSizeBytes);
  card('Peak heap used', bytes(peakUsed), 'committed up to ' + bytes(Math.max(peakCommitted, D.heap.totalHeapSizeBytes)));
  var endRss = D.fragmentation ? D.fragmentation.process.rssBytes : 0;
  card('Peak RSS', bytes(Math.max(peakRss, endRss)), endRss ? 'at the end ' + bytes(endRss) : '');
  if (g && g.count > 0) {
    var longest = 0;
    Object.keys(g.byType).forEach(function (k) { longest = Math.max(longest, g.byType[k].maxMs); });
    card('GC pauses', pct(g.gcTimeShare), count(g.count) + ' GCs · longest ' + ms(longest));
  }
  card('Duration', seconds.toFixed(2) + ' s', 'external at the end ' + bytes(D.heap.externalMemoryBytes));
}

// ---- flame graph (icicle: root on top, width = bytes of the subtree) ---------
var KIND_NAMES = ['your code', 'Node internals', 'node_modules', 'V8 builtins / native'];
function kindColor(kind, h) {
  if (kind === 0) return 'hsl(' + (8 + h * 36).toFixed(0) + ',88%,' + (60 + h * 10).toFixed(0) + '%)';
  if (kind === 1) return 'hsl(' + (150 + h * 30).toFixed(0) + ',42%,' + (60 + h * 10).toFixed(0) + '%)';
  if (kind === 2) return 'hsl(' + (205 + h * 30).toFixed(0) + ',62%,' + (66 + h * 10).toFixed(0) + '%)';
  return 'hsl(0,0%,' + (74 + h * 9).toFixed(0) + '%)';
}

function flame() {
  var P = D.profile, box = $('flame');
  if (!P) { $('flame-section').querySelector('.toolbar').hidden = true; note(box, 'No allocation profile in this capture.'); return; }
  if (!(P.totalBytes > 0)) { $('flame-section').querySelector('.toolbar').hidden = true; note(box, 'No allocation was sampled: record with a smaller --interval.'); return; }
  var parent = P.nodes.parent, frameOf = P.nodes.frame, selfB = P.nodes.selfBytes, selfO = P.nodes.selfObjects;
  var n = parent.length, nf = P.frames.name.length, S = P.strings;
  var total = new Float64Array(n), totalO = new Float64Array(n), depth = new Int32Array(n), i;
  for (i = n - 1; i >= 0; i--) {
    total[i] += selfB[i]; totalO[i] += selfO[i];
    if (i > 0) { total[parent[i]] += total[i]; totalO[parent[i]] += totalO[i]; }
  }
  for (i = 1; i < n; i++) depth[i] = depth[parent[i]] + 1;
  // Children as one array sliced per node, each slice widest first.
  var first = new Int32Array(n + 1), kids = new Int32Array(Math.max(n - 1, 0)), fill = new Int32Array(n);
  for (i = 1; i < n; i++) first[parent[i] + 1]++;
  for (i = 0; i < n; i++) first[i + 1] += first[i];
  for (i = 1; i < n; i++) { var p = parent[i]; kids[first[p] + fill[p]++] = i; }
  for (i = 0; i < n; i++) {
    if (first[i + 1] - first[i] > 1) {
      var slice = Array.prototype.slice.call(kids, first[i], first[i + 1]).sort(function (a, b) { return total[b] - total[a]; });
      kids.set(slice, first[i]);
    }
  }
  var fname = P.frames.name.map(function (k) { return S[k]; });
  var ffile = P.frames.file.map(function (k) { return S[k]; });
  var fkind = P.frames.kind;
  var fcolor = fname.map(function (name, f) { return kindColor(fkind[f], hash(name + '\u0000' + ffile[f])); });
  fcolor[frameOf[0]] = 'hsl(0,0%,80%)';
  var flower = null;
  function location(f) {
    if (fkind[f] === 3) return '(native)';
    return ffile[f] ? ffile[f] + ':' + P.frames.line[f] + ':' + P.frames.column[f] : '';
  }

  $('flame-sub').textContent = (P.mode === 'live' ? 'live bytes' : 'allocated bytes') + ' by call stack · width = bytes of the frame and its callees · ' +
    count(n) + ' stacks';
  var ROW = 18, LIMIT = 12000, zoom = 0, hit = null, drawn = [], drawnNode = [];
  var search = $('search'), matches = $('matches'), crumbs = $('crumbs'), reset = $('reset'), status = $('flame-status');

  function ancestors(z) { var a = []; for (var q = parent[z]; q >= 0; q = parent[q]) a.unshift(q); return a; }
  function collect(z, scale, minPx) {
    // Depth-first from the zoomed node; subtrees narrower than minPx are skipped (their children are narrower still).
    var out = [], stack = [z, 0], hidden = 0;
    while (stack.length) {
      var x = stack.pop(), node = stack.pop(), w = total[node] * scale;
      if (w < minPx) { hidden++; continue; }
      out.push(node, x, w);
      if (out.length > 3 * LIMIT) break; // too many: the caller retries with a larger minimum width
      // Children left to right, widest first; pushed in reverse so that the leftmost is drawn first.
      var start = stack.length, pos = x, k, c;
      for (k = first[node]; k < first[node + 1]; k++) { c = kids[k]; stack.push(c, pos); pos += total[c] * scale; }
      for (var lo = start, hi = stack.length - 2; lo < hi; lo += 2, hi -= 2) {
        var a0 = stack[lo], a1 = stack[lo + 1];
        stack[lo] = stack[hi]; stack[lo + 1] = stack[hi + 1]; stack[hi] = a0; stack[hi + 1] = a1;
      }
    }
    return { out: out, hidden: hidden };
  }
  function draw() {
    var t0 = performance.now();
    var W = box.clientWidth || 1000;
    var anc = ancestors(zoom), base = anc.length;
    var scale = total[zoom] > 0 ? W / total[zoom] : 0;
    var minPx = 1, got;
    for (;;) { got = collect(zoom, scale, minPx); if (got.out.length <= 3 * LIMIT || minPx >= 64) break; minPx *= 2; }
    var frag = document.createDocumentFragment(), maxRow = base, rows = got.out, dz = depth[zoom];
    drawn = []; drawnNode = [];
    function add(node, x, w, row, extra) {
      var d = document.createElement('div'), f = frameOf[node];
      d.className = 'frame k' + fkind[f] + extra;
      d.style.cssText = 'left:' + x.toFixed(1) + 'px;width:' + Math.max(w, 1).toFixed(1) + 'px;top:' + (row * ROW) + 'px;background:' + fcolor[f];
      if (w >= 22) {
        d.textContent = node === 0 ? 'all · ' + bytes(total[0]) + ' ' + (P.mode === 'live' ? 'live' : 'allocated') : fname[f];
        if (w >= 320 && node !== 0) { var loc = location(f); if (loc) { d.appendChild(document.createTextNode(' ')); d.appendChild(el('span', 'floc', loc)); } }
      }
      d.dataset.i = String(node);
      frag.appendChild(d);
      drawn.push(d); drawnNode.push(node);
      if (row > maxRow) maxRow = row;
    }
    for (var a = 0; a < anc.length; a++) add(anc[a], 0, W, a, ' ancestor');
    for (var r = 0; r < rows.length; r += 3) add(rows[r], rows[r + 1], rows[r + 2], base + depth[rows[r]] - dz, rows[r] === zoom ? ' zoomed' : '');
    box.style.height = ((maxRow + 1) * ROW) + 'px';
    box.replaceChildren(frag);
    paintHits();
    crumbs.replaceChildren();
    if (zoom === 0) {
      crumbs.appendChild(document.createTextNode('Click a frame to zoom in; click a frame above it (or a name here) to zoom out. Hover for details.'));
    } else {
      anc.concat([zoom]).forEach(function (q, k) {
        if (k > 0) crumbs.appendChild(el('span', 'sep', '›'));
        var b = el('button', '', q === 0 ? 'all' : fname[frameOf[q]]);
        b.type = 'button';
        b.addEventListener('click', function () { zoomTo(q); });
        crumbs.appendChild(b);
      });
    }
    reset.disabled = zoom === 0;
    var elapsed = performance.now() - t0;
    box.dataset.renderMs = elapsed.toFixed(1);
    box.dataset.frames = String(drawn.length);
    status.textContent = count(drawn.length) + ' frames drawn' + (got.hidden ? ' · ' + count(got.hidden) + ' narrower than ' + minPx + ' px not drawn' : '') + ' · drawn in ' + elapsed.toFixed(0) + ' ms';
  }
  function zoomTo(z) { zoom = z; draw(); }
  function paintHits() {
    box.classList.toggle('searching', hit !== null);
    for (var k = 0; k < drawn.length; k++) drawn[k].classList.toggle('hit', hit !== null && drawnNode[k] !== 0 && hit[frameOf[drawnNode[k]]] === 1);
  }
  function runSearch() {
    var q = search.value.trim().toLowerCase();
    if (!q) { hit = null; matches.textContent = ''; matches.classList.remove('some'); paintHits(); return; }
    if (!flower) flower = fname.map(function (s, f) { return s.toLowerCase() + '\u0000' + ffile[f].toLowerCase(); });
    hit = new Uint8Array(nf);
    for (var f = 0; f < nf; f++) if (flower[f].indexOf(q) >= 0) hit[f] = 1;
    hit[frameOf[0]] = 0;
    // Bytes under matching frames, each byte counted once (a match inside a match adds nothing).
    var under = new Uint8Array(n), sum = 0, nodes = 0;
    for (var k = 1; k < n; k++) {
      var h = hit[frameOf[k]], up = under[parent[k]];
      if (h) { nodes++; if (!up) sum += total[k]; }
      under[k] = up | h;
    }
    matches.textContent = nodes ? count(nodes) + (nodes === 1 ? ' frame' : ' frames') + ' · ' + bytes(sum) + ' (' + pct(total[0] > 0 ? sum / total[0] : 0) + ' of all)' : 'no match';
    matches.classList.toggle('some', nodes > 0);
    paintHits();
  }
  search.addEventListener('input', runSearch);
  reset.addEventListener('click', function () { zoomTo(0); });
  box.addEventListener('click', function (e) {
    var d = e.target.closest('.frame');
    if (!d) return;
    var q = Number(d.dataset.i);
    zoomTo(q === zoom && q !== 0 ? parent[q] : q);
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && document.activeElement !== search) zoomTo(0);
  });

  // Tooltip
  var tip = $('tip');
  function row(tb, k, v) { var tr = el('tr'); tr.appendChild(el('td', '', k)); tr.appendChild(el('td', '', v)); tb.appendChild(tr); }
  box.addEventListener('mousemove', function (e) {
    var d = e.target.closest('.frame');
    if (!d) { tip.style.display = 'none'; return; }
    var q = Number(d.dataset.i), f = frameOf[q];
    tip.replaceChildren();
    tip.appendChild(el('div', 'fn', q === 0 ? 'all allocations' : fname[f]));
    var loc = q === 0 ? '' : location(f);
    if (loc) tip.appendChild(el('div', 'loc', loc));
    var tb = el('table');
    row(tb, 'total', bytes(total[q]) + ' · ' + pct(total[0] > 0 ? total[q] / total[0] : 0) + ' of all' +
      (zoom !== 0 && q !== zoom && total[zoom] > 0 && depth[q] > depth[zoom] ? ' · ' + pct(total[q] / total[zoom]) + ' of zoom' : ''));
    row(tb, 'self', bytes(selfB[q]) + ' · ' + pct(total[0] > 0 ? selfB[q] / total[0] : 0));
    row(tb, 'objects', '~' + count(totalO[q]) + ' (self ~' + count(selfO[q]) + ')');
    if (q !== 0) row(tb, 'kind', KIND_NAMES[fkind[f]]);
    tip.appendChild(tb);
    tip.style.display = 'block';
    var x = e.clientX + 14, y = e.clientY + 16, r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = Math.max(8, e.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 8) y = Math.max(8, e.clientY - r.height - 16);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  });
  box.addEventListener('mouseleave', function () { tip.style.display = 'none'; });

  var legend = $('flame-legend');
  KIND_NAMES.forEach(function (name, k) {
    var s = el('span'), sw = el('span', 'sw');
    sw.style.background = kindColor(k, 0.4);
    s.appendChild(sw); s.appendChild(document.createTextNode(name)); legend.appendChild(s);
  });
  var hs = el('span'), hsw = el('span', 'sw');
  hsw.style.background = 'var(--hit)';
  hs.appendChild(hsw); hs.appendChild(document.createTextNode('search match')); legend.appendChild(hs);
  if (P.prunedNodes > 0) legend.appendChild(el('span', '', count(P.prunedNodes) + ' empty stacks left out'));

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(draw);
  });
  draw();
  return { find: function (name) { search.value = name; runSearch(); $('flame-section').scrollIntoView({ behavior: 'smooth' }); } };
}

// ---- top sites ----------------------------------------------------------------
function sites(flameApi) {
  var T = D.top, P = D.profile, box = $('sites');
  if (!T || !P) { note(box, 'No allocation profile in this capture.'); return; }
  var what = P.mode === 'live' ? 'live (in use)' : 'allocated';
  $('sites-title').textContent = (T.by === 'site' ? 'Top allocation sites' : 'Top allocations by ' + T.by) + ' (' + what + ')';
  $('sites-sub').textContent = bytes(P.totalBytes) + ' in ~' + count(P.totalObjects) + ' objects, estimated from ~' +
    count(P.totalBytes / P.intervalBytes) + ' samples at a ' + bytes(P.intervalBytes) + ' interval · allocations in V8 builtins are counted at their JS caller · click a header to sort' +
    (P.totalLiveBytes !== undefined ? ' · live: still alive at the end of its fold window; temporary: collected before it' : '');
  if (T.rows.length === 0) { note(box, 'No allocation was sampled: record with a smaller --interval.'); return; }
  var rows = T.rows.map(function (r, k) { r.rank = k + 1; return r; });
  var maxShare = rows.reduce(function (m, r) { return Math.max(m, r.share); }, 0) || 1;
  var cols = [{ label: '#', num: true, get: function (r) { return r.rank; } }];
  if (rows[0].function !== undefined) {
    cols.push({ label: 'function', num: false, cls: 'fn', get: function (r) { return r.function; }, fmt: function (v) {
      var span = el('span');
      span.appendChild(document.createTextNode(v));
      if (flameApi) {
        var b = el('button', 'find', '⌕');
        b.type = 'button'; b.title = 'find in the flame graph';
        b.addEventListener('click', function () { flameApi.find(v); });
        span.appendChild(b);
      }
      return span;
    } });
    cols.push({ label: T.by === 'site' ? 'location' : 'file', num: false, cls: 'loc', get: function (r) { return r.location; } });
  } else {
    cols.push({ label: T.by, num: false, cls: T.by === 'package' ? 'fn' : 'loc', get: function (r) { return r.label; } });
  }
  cols.push(
    { label: 'bytes', num: true, get: function (r) { return r.bytes; }, fmt: bytes },
    { label: 'share', num: true, get: function (r) { return r.share; }, fmt: function (v) {
      var s = el('span'), bar = el('span', 'sharebar');
      bar.style.width = Math.max(1, Math.round(60 * v / maxShare)) + 'px';
      s.appendChild(bar); s.appendChild(document.createTextNode(pct(v))); return s;
    } },
    { label: 'cumul.', num: true, get: function (r) { return r.cumulativeShare; }, fmt: pct },
    { label: 'objects', num: true, get: function (r) { return r.objects; }, fmt: count });
  if (rows[0].liveBytes !== undefined) {
    cols.push(
      { label: 'live', num: true, get: function (r) { return r.liveBytes; }, fmt: bytes },
      { label: 'live obj.', num: true, get: function (r) { return r.liveObjects; }, fmt: count },
      { label: 'temporary', num: true, get: function (r) { return r.temporaryBytes; }, fmt: bytes },
      { label: 'temp. obj.', num: true, get: function (r) { return r.temporaryObjects; }, fmt: count });
  }
  cols.push({ label: 'avg size', num: true, get: function (r) { return r.averageSize; }, fmt: bytes });
  box.appendChild(table(cols, rows));
}

// ---- timeline ------------------------------------------------------------------
function timeline() {
  var box = $('timeline'), tl = D.timeline, t0 = D.meta.startTimeMs, pts = [], i;
  for (i = 0; i < tl.timeMs.length; i++) pts.push([(tl.timeMs[i] - t0) / 1000, tl.heapUsedBytes[i], tl.heapCommittedBytes[i], tl.externalBytes[i], tl.rssBytes[i]]);
  // RSS from the background thread: points even while the program kept the event loop busy.
  if (tl.rss) for (i = 0; i < tl.rss.timeMs.length; i++) pts.push([(tl.rss.timeMs[i] - t0) / 1000, null, null, null, tl.rss.bytes[i]]);
  var pauses = [];
  D.gcEvents.forEach(function (e) {
    if (e[3] !== 0) return; // nested GCs are inside their parent's pause
    var s = (e[0] - t0) / 1000, end = s + e[1] / 1000;
    pts.push([s, e[4], e[6], e[8], null], [end, e[5], e[7], e[9], null]);
    pauses.push([s, end, e[2]]);
  });
  if (pts.length === 0) { note(box, 'No heap samples or GC events in this capture.'); return; }
  pts.sort(function (a, b) { return a[0] - b[0]; });
  for (i = 1; i < pts.length; i++) if (pts[i][0] <= pts[i - 1][0]) pts[i][0] = pts[i - 1][0] + 1e-9;
  var data = [0, 1, 2, 3, 4].map(function (k) { return pts.map(function (p) { return p[k]; }); });
  var hasRss = data[4].some(function (v) { return v !== null; });
  if (typeof uPlot !== 'function') { note(box, 'The chart library did not load.'); return; }
  function major(type) { return type !== 'scavenge' && type !== 'minorMarkCompact' && type !== 'minorMarkSweep'; }
  function drawPauses(u) {
    var ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
    ctx.save();
    pauses.forEach(function (p) {
      var x0 = u.valToPos(p[0], 'x', true), x1 = u.valToPos(p[1], 'x', true), w = Math.max(x1 - x0, dpr);
      if (x1 < b.left || x0 > b.left + b.width) return;
      ctx.fillStyle = major(p[2]) ? 'rgba(207,34,46,0.16)' : 'rgba(191,135,0,0.13)';
      ctx.fillRect(x0, b.top, w, b.height);
      ctx.fillStyle = major(p[2]) ? 'rgba(207,34,46,0.9)' : 'rgba(191,135,0,0.85)';
      ctx.fillRect(x0, b.top, Math.max(w, 2 * dpr), 6 * dpr);
    });
    ctx.restore();
  }
  function fmt(u, v) { return v === null || v === undefined ? '–' : bytes(v); }
  var series = [
    { label: 'time', value: function (u, v) { return v === null || v === undefined ? '–' : v.toFixed(3) + ' s'; } },
    { label: 'heap used', stroke: '#2f81f7', fill: 'rgba(47,129,247,0.10)', width: 1.5, spanGaps: true, value: fmt, points: { show: false } },
    { label: 'heap committed', stroke: '#8250df', width: 1.5, spanGaps: true, value: fmt, points: { show: false } },
    { label: 'external', stroke: '#1a7f37', width: 1.5, spanGaps: true, value: fmt, points: { show: false } },
    { label: 'RSS', stroke: '#cf222e', width: 1.5, dash: [6, 4], spanGaps: true, value: fmt, show: hasRss, points: { show: pts.length < 40 } },
  ];
  var opts = {
    width: Math.max(300, box.clientWidth), height: 320,
    scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } },
    series: series,
    axes: [
      { values: function (u, vals) { return vals.map(function (v) { return v + ' s'; }); } },
      { size: 76, values: function (u, vals) { return vals.map(function (v) { return bytes(v); }); } },
    ],
    cursor: { drag: { x: true, y: false } },
    hooks: { drawClear: [drawPauses] },
  };
  var chart = new uPlot(opts, data, box);
  var key = $('gc-key');
  var minor = pauses.filter(function (p) { return !major(p[2]); }).length;
  [['rgba(191,135,0,0.85)', 'young-generation GC pause (' + count(minor) + ')'], ['rgba(207,34,46,0.9)', 'full / incremental GC pause (' + count(pauses.length - minor) + ')']].forEach(function (x) {
    var sw = el('span', 'sw'); sw.style.background = x[0]; key.appendChild(sw); key.appendChild(document.createTextNode(x[1]));
  });
  key.appendChild(document.createTextNode(' · drag to zoom the time axis, double-click to reset' + (tl.timeMs.length < 3 ? ' · heap points come from GC events (few timeline samples: the program kept the event loop busy)' + (tl.rss ? '; RSS is sampled by a background thread' : '') : '')));
  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () { chart.setSize({ width: Math.max(300, box.clientWidth), height: 320 }); });
  });
}

// ---- garbage collection -----------------------------------------------------------
function gc() {
  var g = D.gc, box = $('gc');
  if (!g || g.count === 0) { note(box, 'No garbage collection was recorded.'); return; }
  $('gc-sub').textContent = count(g.count) + ' GCs in ' + ms(g.elapsedMs) + ' · ' + pct(g.gcTimeShare) + ' of wall time paused';
  var rows = Object.keys(g.byType).map(function (k) { var x = g.byType[k]; x.type = k; return x; });
  box.appendChild(table([
    { label: 'type', num: false, cls: 'mono', get: function (r) { return r.type; } },
    { label: 'count', num: true, get: function (r) { return r.count; }, fmt: count },
    { label: 'total', num: true, get: function (r) { return r.totalMs; }, fmt: ms },
    { label: 'mean', num: true, get: function (r) { return r.meanMs; }, fmt: ms },
    { label: 'p50', num: true, get: function (r) { return r.p50Ms; }, fmt: ms },
    { label: 'p90', num: true, get: function (r) { return r.p90Ms; }, fmt: ms },
    { label: 'p99', num: true, get: function (r) { return r.p99Ms; }, fmt: ms },
    { label: 'max', num: true, get: function (r) { return r.maxMs; }, fmt: ms },
    { label: 'freed', num: true, get: function (r) { return r.freedBytes; }, fmt: bytes },
  ], rows, { col: 2, desc: true }));
  note(box, 'promoted ' + bytes(g.promotedBytes) + ' (' + pct(g.promotionRatio) + ' of young-generation bytes, ' + bytes(g.promotedBytesPerSecond) + '/s)' +
    (g.droppedEvents > 0 ? ' · ' + count(g.droppedEvents) + ' events dropped from the buffer' : ''));
}

// ---- heap spaces and fragmentation ----------------------------------------------------
function spaces() {
  var box = $('spaces'), F = D.fragmentation;
  var list = (F ? F.v8.spaces : D.spaces.map(function (s) {
    return { name: s.name, usedBytes: s.usedBytes, committedBytes: s.committedBytes, availableBytes: s.availableBytes,
      fragmentation: s.committedBytes > 0 ? Math.max(0, 1 - s.usedBytes / s.committedBytes) : 0 };
  })).filter(function (s) { return s.committedBytes > 0 || s.usedBytes > 0; });
  if (list.length === 0) { note(box, 'No heap space figures in this capture.'); return; }
  var max = list.reduce(function (m, s) { return Math.max(m, s.committedBytes, s.usedBytes); }, 0) || 1;
  var grid = el('div', 'bars');
  list.forEach(function (s) {
    grid.appendChild(el('div', 'name', s.name));
    var track = el('div', 'track'), outer = el('div', 'outer'), inner = el('div', 'inner');
    outer.style.width = (100 * s.committedBytes / max).toFixed(2) + '%';
    inner.style.width = (100 * Math.min(s.usedBytes, Math.max(s.committedBytes, s.usedBytes)) / max).toFixed(2) + '%';
    track.title = s.name + ': used ' + bytes(s.usedBytes) + ' of ' + bytes(s.committedBytes) + ' committed';
    track.appendChild(outer); track.appendChild(inner); grid.appendChild(track);
    grid.appendChild(el('div', 'fig', bytes(s.usedBytes) + ' / ' + bytes(s.committedBytes) + ' · ' + pct(s.fragmentation) + ' unused'));
  });
  box.appendChild(grid);
  var key = el('div', 'legend');
  [['var(--used)', 'used'], ['var(--committed)', 'committed, unused']].forEach(function (x) {
    var s = el('span'), sw = el('span', 'sw'); sw.style.background = x[0]; s.appendChild(sw); s.appendChild(document.createTextNode(x[1])); key.appendChild(s);
  });
  box.appendChild(key);
  if (F) {
    var t = F.v8.total;
    note(box, 'total: ' + bytes(t.usedBytes) + ' used of ' + bytes(t.committedBytes) + ' committed (' + pct(t.fragmentation) + ' unused), ' + bytes(t.physicalBytes) + ' physical');
  }
}

function stackBar(box, parts, whole) {
  var bar = el('div', 'stack'), key = el('div', 'legend');
  parts.forEach(function (p) {
    var v = Math.max(0, p[1]), seg = el('div');
    seg.style.width = (whole > 0 ? 100 * v / whole : 0).toFixed(2) + '%';
    seg.style.background = p[2];
    seg.title = p[0] + ': ' + bytes(p[1]);
    bar.appendChild(seg);
    var s = el('span'), sw = el('span', 'sw');
    sw.style.background = p[2];
    s.appendChild(sw); s.appendChild(document.createTextNode(p[0] + ' ' + bytes(p[1])));
    key.appendChild(s);
  });
  box.appendChild(bar); box.appendChild(key);
}

function allocator() {
  var box = $('alloc'), F = D.fragmentation, M = D.malloc;
  if (!F) { note(box, 'No fragmentation figures in this capture.'); return; }
  box.appendChild(el('h3', '', 'C allocator (' + (M ? M.allocator : 'unknown') + ')'));
  if (F.jemalloc) {
    var j = F.jemalloc;
    stackBar(box, [['allocated', j.allocatedBytes, '#2f81f7'], ['active, not allocated', j.activeBytes - j.allocatedBytes, '#f0a8a8'],
      ['resident, not active', j.residentBytes - j.activeBytes, '#d0d7de']], Math.max(j.residentBytes, j.activeBytes));
    note(box, 'fragmentation ' + pct(j.fragmentation) + ' · resident/active ' + j.residentToActive.toFixed(2));
  } else if (F.glibc) {
    var c = F.glibc;
    stackBar(box, [['in use', c.inUseBytes, '#2f81f7'], ['free in arenas', c.freeBytes, '#f0a8a8'], ['mmapped', c.mmappedBytes, '#8250df']],
      c.inUseBytes + c.freeBytes + c.mmappedBytes);
    note(box, 'arena ' + bytes(c.arenaBytes) + ' · fragmentation ' + pct(c.fragmentation) + ' (free / arena) · top pad ' + bytes(c.topPadBytes) + ' (malloc_trim could release it)');
  } else {
    note(box, 'No statistics for this allocator.');
  }
  var p = F.process;
  box.appendChild(el('h3', '', 'Process RSS ' + bytes(p.rssBytes)));
  stackBar(box, [['V8 heap', p.v8PhysicalBytes, '#2f81f7'], ['C allocator', p.mallocFootprintBytes, '#8250df'],
    ['unattributed', p.unattributedBytes, '#afb8c1']], Math.max(p.rssBytes, p.accountedBytes));
  note(box, 'unattributed (' + pct(p.unattributedShare) + '): code, stacks, shared libraries, thread arenas and pages not counted above' +
    (p.unattributedBytes < 0 ? '; negative: glibc counts arena pages never touched' : ''));
}

// ---- pools ------------------------------------------------------------------------------
function pools() {
  var box = $('pools'), list = D.pools;
  if (!list || list.length === 0) { note(box, 'No pools recorded in this capture.'); return; }
  var entries = list.map(function (x) { return x !== null && typeof x === 'object' && !Array.isArray(x) ? x : { value: x }; });
  var keys = [];
  entries.forEach(function (x) { Object.keys(x).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
  function show(k, v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return /bytes$/i.test(k) ? bytes(v) : /ratio$|share$|fragmentation$/i.test(k) && v <= 1 ? pct(v) : v.toLocaleString('en-US');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  $('pools-sub').textContent = count(list.length) + (list.length === 1 ? ' pool' : ' pools');
  box.appendChild(table(keys.map(function (k) {
    var numeric = entries.every(function (x) { return x[k] === undefined || x[k] === null || typeof x[k] === 'number'; });
    return { label: k, num: numeric, get: function (r) { var v = r[k]; return v === undefined || v === null ? (numeric ? -Infinity : '') : typeof v === 'object' ? JSON.stringify(v) : v; },
      fmt: function (v, r) { return show(k, r[k]); } };
  }), entries));
  (D.poolClasses || []).forEach(function (p) {
    box.appendChild(el('h3', '', p.name + ': size classes'));
    var max = p.classes.reduce(function (m, c) { return Math.max(m, c.totalBytes); }, 0) || 1;
    var grid = el('div', 'bars');
    p.classes.forEach(function (c) {
      grid.appendChild(el('div', 'name', bytes(c.blockBytes)));
      var track = el('div', 'track'), outer = el('div', 'outer'), inner = el('div', 'inner');
      outer.style.width = (100 * c.totalBytes / max).toFixed(2) + '%';
      inner.style.width = (100 * c.inUseBytes / max).toFixed(2) + '%';
      var internal = c.inUseBytes > 0 ? 1 - c.requestedBytes / c.inUseBytes : 0;
      track.title = bytes(c.blockBytes) + ' blocks: ' + bytes(c.inUseBytes) + ' handed out of ' + bytes(c.totalBytes) + ' in slabs';
      track.appendChild(outer); track.appendChild(inner); grid.appendChild(track);
      grid.appendChild(el('div', 'fig', bytes(c.inUseBytes) + ' / ' + bytes(c.totalBytes) + ' · internal ' + pct(internal) + ' · ' + bytes(c.freeInPartialBytes) + ' free in partly used slabs'));
    });
    box.appendChild(grid);
  });
  if ((D.poolClasses || []).length) {
    var key = el('div', 'legend');
    [['var(--used)', 'handed out'], ['var(--committed)', 'free in slabs']].forEach(function (x) {
      var s = el('span'), sw = el('span', 'sw'); sw.style.background = x[0]; s.appendChild(sw); s.appendChild(document.createTextNode(x[1])); key.appendChild(s);
    });
    box.appendChild(key);
  }
}

// ---- leaks (allocscope leaks): suspects with growth charts, show_growth, retainer chains ----
function leaks() {
  var L = D.leaks, box = $('leaks');
  var section = $('leaks-section');
  if (!L) { section.style.display = 'none'; return; }
  if (!D.profile) { $('flame-section').style.display = 'none'; $('sites-section').style.display = 'none'; }
  var measured = L.iterations - L.warmup;
  $('leaks-sub').textContent = L.iterations + ' iterations (' + L.warmup + ' warm-up, ' + measured + ' measured) · live bytes per site after a full GC at each point · ' +
    bytes(L.intervalBytes) + ' sampling interval · ' + ms(L.durationMs);
  var c = L.criteria;
  note(box, 'A suspect grows by ≥ ' + bytes(c.minGrowthBytes) + ' over the measured run with p < ' + c.maxPValue + ', R² ≥ ' + c.minRSquared +
    ', steadiness ≥ ' + c.minSteadiness + ' and no single step above ' + pct(c.maxLargestStepShare) + ' of the rise.');
  if (L.suspects.length === 0) box.appendChild(el('p', 'verdict ok', 'No leak: no allocation site grew steadily.'));
  else box.appendChild(el('p', 'verdict bad', L.suspects.length + ' allocation site' + (L.suspects.length > 1 ? 's grow' : ' grows') + ' steadily.'));
  function confidence(v) { return v === null ? '–' : v > 0.9999 ? '> 99.99 %' : (v * 100).toFixed(v > 0.99 ? 2 : 1) + ' %'; }
  function frameText(f) { return f.function + ' (' + (f.file === '' ? 'native' : f.file.replace(D.meta.cwd + '/', '') + ':' + f.line + ':' + f.column) + ')'; }
  var charts = [];
  L.suspects.slice(0, 10).forEach(function (s, k) {
    var card = el('div', 'suspect');
    card.appendChild(el('h3', '', '#' + (k + 1) + ' ' + s.site));
    card.appendChild(el('div', 'meta', '+' + bytes(s.slopeBytesPerIteration) + ' per iteration · R² ' + s.rSquared.toFixed(3) + ' · confidence ' + confidence(s.confidence) +
      ' · steadiness ' + s.steadiness.toFixed(2) + ' · ' + bytes(s.liveBytes[s.liveBytes.length - 1]) + ' live in ~' + count(s.liveObjects) + ' objects now'));
    if (s.stack.length > 1) {
      var st = el('div', 'stacktrace');
      s.stack.slice(0, 12).forEach(function (f, i) { st.appendChild(el('div', i === 0 ? 'top' : '', (i === 0 ? '' : '← ') + frameText(f))); });
      card.appendChild(st);
    }
    var chartBox = el('div', 'chart leak-chart');
    card.appendChild(chartBox);
    box.appendChild(card);
    charts.push([chartBox, s]);
  });
  if (typeof uPlot === 'function') charts.forEach(function (x) {
    var s = x[1], xs = [], line = [];
    for (var i = 0; i < s.liveBytes.length; i++) {
      xs.push(i);
      line.push(i >= L.warmup ? s.interceptBytes + s.slopeBytesPerIteration * (i - L.warmup) : null);
    }
    var chart = new uPlot({
      width: Math.max(300, x[0].clientWidth), height: 180,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
      series: [
        { label: 'after iteration', value: function (u, v) { return v === null || v === undefined ? '–' : String(v); } },
        { label: 'live bytes', stroke: '#cf222e', width: 1.5, value: function (u, v) { return bytes(v); }, points: { show: true, size: 5 } },
        { label: 'fit', stroke: '#656d76', dash: [5, 4], width: 1, value: function (u, v) { return v === null || v === undefined ? '–' : bytes(v); }, points: { show: false } },
      ],
      axes: [{}, { size: 76, values: function (u, vals) { return vals.map(function (v) { return bytes(v); }); } }],
      hooks: { drawClear: [function (u) {
        if (L.warmup === 0) return;
        var b = u.bbox, x1 = u.valToPos(L.warmup, 'x', true);
        u.ctx.save(); u.ctx.fillStyle = 'rgba(101,109,118,0.10)'; u.ctx.fillRect(b.left, b.top, x1 - b.left, b.height); u.ctx.restore();
      }] },
    }, [xs, s.liveBytes, line], x[0]);
    window.addEventListener('resize', function () { chart.setSize({ width: Math.max(300, x[0].clientWidth), height: 180 }); });
  });
  if (L.suspects.length > 0) note(box, 'Charts: live bytes of the site after each iteration (the shaded part is the warm-up) and the least-squares line over the measured iterations.');
  if (L.retainers && L.retainers.length > 0) {
    box.appendChild(el('h3', '', 'Retainer chains (shortest path from a GC root to one instance)'));
    L.retainers.forEach(function (r) {
      var row = el('div', 'chain');
      row.appendChild(el('span', 'ctor', r.constructor));
      if (!r.steps.length) row.appendChild(el('span', 'note', r.text || 'no path from a GC root (only weak references hold it)'));
      else r.steps.forEach(function (step, i) {
        if (i > 0) row.appendChild(el('span', 'arrow', '→'));
        var span = el('span', 'step');
        if (step.edge) span.appendChild(el('span', 'edge', step.edge + ' '));
        span.appendChild(document.createTextNode(step.node));
        if (step.nodeType) span.title = step.nodeType + (step.edgeType ? ' via ' + step.edgeType + ' edge' : '');
        row.appendChild(span);
      });
      box.appendChild(row);
    });
  }
  if (L.constructors) {
    box.appendChild(el('h3', '', 'Instances per constructor, first → last measured point'));
    if (L.constructors.length === 0) note(box, 'No constructor gained instances.');
    else box.appendChild(table([
      { label: 'constructor', num: false, cls: 'fn', get: function (r) { return r.name; } },
      { label: 'before', num: true, get: function (r) { return r.countBefore; }, fmt: count },
      { label: 'after', num: true, get: function (r) { return r.countAfter; }, fmt: count },
      { label: 'new', num: true, get: function (r) { return r.countDelta; }, fmt: function (v) { return '+' + count(v); } },
      { label: 'self bytes', num: true, get: function (r) { return r.selfBytesDelta; }, fmt: bytes },
    ], L.constructors.slice(0, 30)));
  }
  if (L.others.length > 0) {
    box.appendChild(el('h3', '', 'Other growing sites (not steady or not significant enough)'));
    box.appendChild(table([
      { label: 'site', num: false, cls: 'loc', get: function (r) { return r.site; } },
      { label: 'growth/iter', num: true, get: function (r) { return r.slopeBytesPerIteration; }, fmt: bytes },
      { label: 'R²', num: true, get: function (r) { return r.rSquared; }, fmt: function (v) { return v.toFixed(3); } },
      { label: 'confidence', num: true, get: function (r) { return r.confidence; }, fmt: confidence },
      { label: 'steadiness', num: true, get: function (r) { return r.steadiness; }, fmt: function (v) { return v.toFixed(2); } },
    ], L.others));
  }
}

function run(name, fn) {
  try { return fn(); } catch (error) {
    var s = $(name + '-section');
    if (s) note(s, 'This section could not be drawn: ' + (error && error.message));
    throw error;
  }
}
header();
run('leaks', leaks);
var api = run('flame', flame);
run('sites', function () { sites(api); });
run('timeline', timeline);
run('gc', gc);
run('memory', function () { spaces(); allocator(); });
run('pools', pools);
document.documentElement.dataset.ready = '1';
})();
`;
