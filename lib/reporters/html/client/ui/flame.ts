// The flame graph section (an icicle: the root on top, width = bytes of the
// subtree): drawing, search, zoom with breadcrumbs, focus, the frames the program
// does not own collapsed or shown, merge by function, tooltip and legend; redrawn
// from another profile when a moment of the live heap is chosen. The
// layout, search, zoom and tree transforms live in the DOM-free modules beside this folder.
import { hiddenRunLabel } from '../collapse-internals';
import { frameColor, KIND_NAMES, kindColor, MARKER_COLOR, ROOT_COLOR } from '../colors';
import { layoutFlame, ROW_PX, type FlameRect } from '../flame-layout';
import type { FlameTree } from '../flame-tree';
import { flameView, type FlameView } from '../flame-view';
import { functionIds, functionKey } from '../function-ids';
import { bytes, count, percent } from '../numbers';
import type { PageData } from '../page-data';
import { isHit, matchesText, matchFrames, searchKeys, summarizeMatches } from '../search';
import { breadcrumbs, shareOfZoom, zoomAfterClick } from '../zoom';
import { byId, el, note, onResize, swatch } from './dom';
import { bindCheckbox, type FrameOptions } from './frame-options';
import type { MomentChoice } from './moment-choice';

/** What other sections can ask of the flame graph. */
export interface FlameApi {
  /** Searches for `name` and scrolls the flame graph into view. */
  find(name: string): void;
}

/** Frames at least this wide get a label; at least LOCATION_PX, also their location. */
const LABEL_PX = 22;
const LOCATION_PX = 320;

/** Hidden frames a marker's tooltip names. */
const MARKER_TIP_FRAMES = 8;

export function flame(data: PageData, options: FrameOptions, moment: MomentChoice | null): FlameApi | null {
  const first = data.profile, box = byId('flame');
  const toolbar = byId('flame-section').querySelector<HTMLElement>('.toolbar');
  if (!first) { if (toolbar) toolbar.hidden = true; note(box, 'No allocation profile in this capture.'); return null; }
  if (!(first.totalBytes > 0) && !moment) { if (toolbar) toolbar.hidden = true; note(box, first.mode === 'live' ? 'Nothing sampled was alive at the end: what the program allocated had been freed.' : 'No allocation was sampled: record with a smaller --interval.'); return null; }

  // The profile drawn and what is derived from its frames: reloaded when another moment is chosen.
  let P = first, S: string[], fname: string[], ffile: string[], fkind: number[], fcolor: string[], frameCount: number, functionOf: Int32Array;
  const ownerOf = (f: number) => (P.frames.internal[f] !== 1 ? null : ffile[f]!.startsWith('node:') ? 'Node' as const : 'allocscope' as const);
  let baseKeys: string[] | null = null;
  function load(): void {
    P = data.profile!;
    S = P.strings;
    fname = P.frames.name.map((k) => S[k]!);
    ffile = P.frames.file.map((k) => S[k]!);
    fkind = P.frames.kind;
    fcolor = fname.map((name, f) => frameColor(fkind[f]!, name, ffile[f]!));
    frameCount = fname.length;
    functionOf = functionIds(P.frames, S);
    baseKeys = null;
    byId('flame-sub').textContent = `${P.mode === 'live' ? 'live bytes' : 'allocated bytes'} by call stack · width = bytes of the frame and its callees · ${count(P.nodes.parent.length)} stacks`;
  }
  load();
  // The tree drawn and what its marker frames (past the page's frames) say; rebuilt when a choice changes.
  let view: FlameView, tree: FlameTree, frameOf: readonly number[], total: Float64Array, markerLabels: string[] = [];
  let keys: string[] | null = null;
  const isMarker = (f: number) => f >= frameCount;
  const nameOf = (f: number) => (isMarker(f) ? markerLabels[f - frameCount]! : fname[f]!);
  const location = (f: number) => {
    if (isMarker(f)) return '';
    if (fkind[f] === 3) return '(native)';
    return ffile[f] ? `${ffile[f]}:${P.frames.line[f]}:${P.frames.column[f]}` : '';
  };
  function rebuild(): void {
    view = flameView(P, functionOf, options.get());
    tree = view.tree;
    frameOf = tree.frame;
    total = tree.total;
    markerLabels = view.markers.map((run) => hiddenRunLabel(run, ownerOf));
    keys = null;
  }
  rebuild();

  const search = byId<HTMLInputElement>('search'), matches = byId('matches'), crumbs = byId('crumbs');
  const reset = byId<HTMLButtonElement>('reset'), status = byId('flame-status');
  const focusButton = byId<HTMLButtonElement>('focus'), unfocusButton = byId<HTMLButtonElement>('unfocus');
  let zoom = 0;
  let hit: Uint8Array | null = null;
  let drawn: { div: HTMLDivElement; node: number }[] = [];

  function frameDiv(rect: FlameRect): HTMLDivElement {
    const { node } = rect, f = frameOf[node]!;
    const d = document.createElement('div');
    const color = node === 0 ? ROOT_COLOR : isMarker(f) ? MARKER_COLOR : fcolor[f];
    d.className = `frame ${isMarker(f) ? 'marker' : `k${fkind[f]}`}${rect.ancestor ? ' ancestor' : rect.zoomed ? ' zoomed' : ''}`;
    d.style.cssText = `left:${rect.x.toFixed(1)}px;width:${Math.max(rect.width, 1).toFixed(1)}px;top:${rect.row * ROW_PX}px;background:${color}`;
    if (rect.width >= LABEL_PX) {
      const what = `${bytes(total[0]!)} ${P.mode === 'live' ? 'live' : 'allocated'}`;
      d.textContent = node !== 0 ? nameOf(f) : view.focus !== null ? `focus: ${fname[view.focus]} · ${what} in every call` : `all · ${what}`;
      if (rect.width >= LOCATION_PX && node !== 0) {
        const loc = location(f);
        if (loc) { d.appendChild(document.createTextNode(' ')); d.appendChild(el('span', 'floc', loc)); }
      }
    }
    d.dataset.i = String(node);
    return d;
  }

  function draw(): void {
    const t0 = performance.now();
    const layout = layoutFlame(tree, zoom, box.clientWidth || 1000);
    const frag = document.createDocumentFragment();
    drawn = layout.rects.map((rect) => {
      const div = frameDiv(rect);
      frag.appendChild(div);
      return { div, node: rect.node };
    });
    box.style.height = `${layout.rows * ROW_PX}px`;
    box.replaceChildren(frag);
    paintHits();
    crumbs.replaceChildren();
    const trail = breadcrumbs(tree, zoom);
    if (trail.length === 0) {
      crumbs.appendChild(document.createTextNode('Click a frame to zoom in; click a frame above it (or a name here) to zoom out; ' +
        'right-click a frame to focus on its function (every call of it, merged). Hover for details.'));
    } else {
      trail.forEach((q, k) => {
        if (k > 0) crumbs.appendChild(el('span', 'sep', '›'));
        const b = el('button', '', q === 0 ? (view.focus !== null ? `focus: ${fname[view.focus]}` : 'all') : nameOf(frameOf[q]!));
        b.type = 'button';
        b.addEventListener('click', () => zoomTo(q));
        crumbs.appendChild(b);
      });
    }
    reset.disabled = zoom === 0;
    const zoomed = frameOf[zoom]!;
    focusButton.disabled = zoom === 0 || isMarker(zoomed);
    focusButton.textContent = focusButton.disabled ? 'Focus on frame' : `Focus on ${fname[zoomed]}`;
    unfocusButton.hidden = view.focus === null;
    const elapsed = performance.now() - t0;
    box.dataset.renderMs = elapsed.toFixed(1);
    box.dataset.frames = String(drawn.length);
    status.textContent = `${count(drawn.length)} frames drawn` +
      (layout.hidden ? ` · ${count(layout.hidden)} narrower than ${layout.minWidthPx} px not drawn` : '') +
      (view.markers.length ? ` · ${count(view.markers.length)} runs of Node's or allocscope's frames collapsed` : '') + ` · drawn in ${elapsed.toFixed(0)} ms`;
  }
  function zoomTo(node: number): void { zoom = node; draw(); }
  /** Redraws from the root after a choice changed (the tree's nodes are new), keeping the search. */
  function redraw(): void {
    rebuild();
    zoom = 0;
    draw();
    runSearch();
  }
  function focusOnFrame(f: number): void {
    if (isMarker(f) || f === view.focus) return;
    options.set({ focus: functionKey(P.frames, S, f) });
  }
  function paintHits(): void {
    box.classList.toggle('searching', hit !== null);
    for (const d of drawn) d.div.classList.toggle('hit', isHit(tree, hit, d.node));
  }
  function runSearch(): void {
    if (!keys) {
      baseKeys ??= searchKeys(fname, ffile);
      const base = baseKeys;
      // A marker matches what it hides: a search for Module._load finds the marker that holds it.
      keys = base.concat(view.markers.map((run) => run.frames.map((f) => base[f]!).join('\u0001')));
    }
    hit = matchFrames(keys, search.value, frameOf[0]!);
    if (!hit) {
      matches.textContent = '';
      matches.classList.remove('some');
    } else {
      const summary = summarizeMatches(tree, hit);
      matches.textContent = matchesText(summary, total[0]!);
      matches.classList.toggle('some', summary.nodes > 0);
    }
    paintHits();
  }
  const nodeOf = (target: EventTarget | null): number | null => {
    const d = target instanceof Element ? target.closest<HTMLElement>('.frame') : null;
    return d ? Number(d.dataset.i) : null;
  };
  search.addEventListener('input', runSearch);
  reset.addEventListener('click', () => zoomTo(0));
  box.addEventListener('click', (e) => {
    const q = nodeOf(e.target);
    if (q !== null) zoomTo(zoomAfterClick(tree, q, zoom));
  });
  box.addEventListener('contextmenu', (e) => {
    const q = nodeOf(e.target);
    if (q === null || q === 0) return;
    e.preventDefault();
    focusOnFrame(frameOf[q]!);
  });
  focusButton.addEventListener('click', () => focusOnFrame(frameOf[zoom]!));
  unfocusButton.addEventListener('click', () => options.set({ focus: null }));
  bindCheckbox(byId<HTMLInputElement>('show-internals'), options, 'internals');
  bindCheckbox(byId<HTMLInputElement>('merge-functions'), options, 'merge');
  options.onChange(redraw);
  moment?.onChange(() => { load(); redraw(); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.activeElement !== search) zoomTo(0);
  });

  // Tooltip
  const tip = byId('tip');
  const tipRow = (tb: HTMLTableElement, key: string, value: string) => {
    const tr = el('tr');
    tr.appendChild(el('td', '', key));
    tr.appendChild(el('td', '', value));
    tb.appendChild(tr);
  };
  box.addEventListener('mousemove', (e) => {
    const q = nodeOf(e.target);
    if (q === null) { tip.style.display = 'none'; return; }
    const f = frameOf[q]!;
    tip.replaceChildren();
    tip.appendChild(el('div', 'fn', q !== 0 ? nameOf(f) : view.focus !== null ? `every call of ${fname[view.focus]}` : 'all allocations'));
    const loc = q === 0 ? '' : location(f);
    if (loc) tip.appendChild(el('div', 'loc', loc));
    const tb = el('table');
    const ofAll = (part: number) => percent(total[0]! > 0 ? part / total[0]! : 0);
    const ofZoom = shareOfZoom(tree, q, zoom);
    tipRow(tb, 'total', `${bytes(total[q]!)} · ${ofAll(total[q]!)} of all${ofZoom !== null ? ` · ${percent(ofZoom)} of zoom` : ''}`);
    tipRow(tb, 'self', `${bytes(tree.selfBytes[q]!)} · ${ofAll(tree.selfBytes[q]!)}`);
    tipRow(tb, 'objects', `~${count(tree.totalObjects[q]!)} (self ~${count(tree.selfObjects[q]!)})`);
    if (isMarker(f)) {
      const hidden = view.markers[f - frameCount]!.frames;
      tipRow(tb, 'collapsed', hidden.slice(0, MARKER_TIP_FRAMES).map((h) => fname[h]).join(' · ') +
        (hidden.length > MARKER_TIP_FRAMES ? ` · … ${hidden.length - MARKER_TIP_FRAMES} more` : ''));
    } else if (q !== 0) {
      tipRow(tb, 'kind', KIND_NAMES[fkind[f]!] ?? '');
    }
    tip.appendChild(tb);
    if (q !== 0) tip.appendChild(el('div', 'hint', isMarker(f) ? 'tick "Node internals" to show these frames' : 'right-click: focus on this function'));
    tip.style.display = 'block';
    let x = e.clientX + 14, y = e.clientY + 16;
    const r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = Math.max(8, e.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 8) y = Math.max(8, e.clientY - r.height - 16);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  });
  box.addEventListener('mouseleave', () => { tip.style.display = 'none'; });

  const legend = byId('flame-legend');
  KIND_NAMES.forEach((name, k) => legend.appendChild(swatch(kindColor(k, 0.4), name)));
  legend.appendChild(swatch(MARKER_COLOR, 'collapsed Node / allocscope frames'));
  legend.appendChild(swatch('var(--hit)', 'search match'));
  if (P.prunedNodes > 0) legend.appendChild(el('span', '', `${count(P.prunedNodes)} empty stacks left out`));

  onResize(draw);
  draw();
  return {
    find(name: string) {
      search.value = name;
      runSearch();
      byId('flame-section').scrollIntoView({ behavior: 'smooth' });
    },
  };
}
