'use strict';
// Ground truth for the snapshot tests: retained sizes and class counts computed
// from the `.heapsnapshot` JSON that v8.writeHeapSnapshot() writes, the way
// Chrome DevTools computes them (HeapSnapshot.ts: isEssentialEdge,
// markPageOwnedNodes, buildPostOrderIndex, and Cooper–Harvey–Kennedy's
// iterative dominators over the post order). Deliberately a different
// algorithm from the addon's (Lengauer–Tarjan) and written from the JSON, so
// the two agree only if both are right.
const fs = require('node:fs');

const EPHEMERON = /^\d+(?<part> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

function load(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = json.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodeTypes = meta.node_types[meta.node_fields.indexOf('type')];
  const edgeTypes = meta.edge_types[meta.edge_fields.indexOf('type')];
  const n = json.nodes.length / nf;
  const off = (fields, name) => fields.indexOf(name);
  const nt = off(meta.node_fields, 'type'), nn = off(meta.node_fields, 'name'), nid = off(meta.node_fields, 'id');
  const ns = off(meta.node_fields, 'self_size'), nec = off(meta.node_fields, 'edge_count');
  const et = off(meta.edge_fields, 'type'), en = off(meta.edge_fields, 'name_or_index'), eto = off(meta.edge_fields, 'to_node');
  const g = {
    n, strings: json.strings, nodeTypes, edgeTypes,
    type: new Uint8Array(n), name: new Uint32Array(n), id: new Uint32Array(n), self: new Float64Array(n),
    first: new Uint32Array(n + 1), edgeType: new Uint8Array(json.edges.length / ef),
    edgeName: new Uint32Array(json.edges.length / ef), edgeTo: new Uint32Array(json.edges.length / ef),
  };
  let e = 0;
  for (let i = 0; i < n; i++) {
    const b = i * nf;
    g.type[i] = json.nodes[b + nt]; g.name[i] = json.nodes[b + nn]; g.id[i] = json.nodes[b + nid];
    g.self[i] = json.nodes[b + ns]; g.first[i] = e; e += json.nodes[b + nec];
  }
  g.first[n] = e;
  for (let k = 0; k < g.edgeType.length; k++) {
    g.edgeType[k] = json.edges[k * ef + et];
    g.edgeName[k] = json.edges[k * ef + en];
    g.edgeTo[k] = json.edges[k * ef + eto] / nf;
  }
  return g;
}

function retainedSizes(g) {
  const T = (name) => g.edgeTypes.indexOf(name);
  const WEAK = T('weak'), SHORTCUT = T('shortcut'), INTERNAL = T('internal');
  const root = 0;
  const essential = (from, k) => {
    const type = g.edgeType[k];
    if (type === INTERNAL) {
      const m = EPHEMERON.exec(g.strings[g.edgeName[k]]);
      if (m && Number(m.groups.table) === g.id[from]) return false;
    }
    return type !== WEAK && (type !== SHORTCUT || from === root);
  };
  // markPageOwnedNodes
  const page = new Uint8Array(g.n);
  const stack = [];
  for (let k = g.first[root]; k < g.first[root + 1]; k++) {
    if (g.edgeType[k] === SHORTCUT && !page[g.edgeTo[k]]) { page[g.edgeTo[k]] = 1; stack.push(g.edgeTo[k]); }
  }
  while (stack.length) {
    const v = stack.pop();
    for (let k = g.first[v]; k < g.first[v + 1]; k++) {
      const to = g.edgeTo[k];
      if (!page[to] && g.edgeType[k] !== WEAK) { page[to] = 1; stack.push(to); }
    }
  }
  const kept = (from, k) => essential(from, k) && (from === root || !page[g.edgeTo[k]] || page[from]);
  // Retainers of the kept graph.
  const retainers = Array.from({ length: g.n }, () => []);
  for (let v = 0; v < g.n; v++) for (let k = g.first[v]; k < g.first[v + 1]; k++) if (kept(v, k)) retainers[g.edgeTo[k]].push(v);
  // Post order: the root's DFS, then DFS from nodes nothing retains, root last.
  const post = []; const visited = new Uint8Array(g.n);
  const dfs = (start) => {
    const nodes = [start], cursor = [g.first[start]]; visited[start] = 1;
    while (nodes.length) {
      const v = nodes[nodes.length - 1];
      const k = cursor[cursor.length - 1];
      if (k >= g.first[v + 1]) { post.push(v); nodes.pop(); cursor.pop(); continue; }
      cursor[cursor.length - 1]++;
      if (!kept(v, k)) continue;
      const to = g.edgeTo[k];
      if (visited[to]) continue;
      visited[to] = 1; nodes.push(to); cursor.push(g.first[to]);
    }
  };
  dfs(root);
  post.pop(); // the root goes last, after orphans
  for (let v = 0; v < g.n; v++) if (!visited[v] && retainers[v].length === 0) dfs(v);
  for (let v = 0; v < g.n; v++) if (!visited[v]) dfs(v);
  post.push(root);
  const index = new Uint32Array(g.n);
  post.forEach((v, i) => { index[v] = i; });
  // Cooper–Harvey–Kennedy: iterate to a fixed point over the reverse post order.
  const NONE = -1;
  const dom = new Int32Array(g.n).fill(NONE);
  const rootIndex = g.n - 1;
  dom[rootIndex] = rootIndex;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = rootIndex - 1; i >= 0; i--) {
      const v = post[i];
      let idom = NONE;
      if (retainers[v].length === 0) idom = rootIndex; // orphans hang from the root
      for (const r of retainers[v]) {
        let x = index[r];
        if (dom[x] === NONE) continue;
        if (idom === NONE) { idom = x; continue; }
        let y = idom;
        while (x !== y) {
          while (x < y) x = dom[x];
          while (y < x) y = dom[y];
        }
        idom = x;
      }
      if (idom === NONE) idom = rootIndex; // reached only through orphans' cycles
      if (dom[i] !== idom) { dom[i] = idom; changed = true; }
    }
  }
  const retained = Float64Array.from(g.self);
  for (let i = 0; i < rootIndex; i++) retained[post[dom[i]]] += retained[post[i]];
  return retained;
}

/** Ordinals of the object nodes named `name` (a constructor name). */
function nodesNamed(g, name) {
  const object = g.nodeTypes.indexOf('object');
  const out = [];
  for (let v = 0; v < g.n; v++) if (g.type[v] === object && g.strings[g.name[v]] === name) out.push(v);
  return out;
}

module.exports = { load, retainedSizes, nodesNamed };
