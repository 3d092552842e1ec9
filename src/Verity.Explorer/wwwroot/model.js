'use strict';
nav('models.html');
const id = param('id');

// Lays the lineage graph out in three columns: datasets | models by generation | devices; edges point from parent
// to child, from a dataset or a device to the model.
function drawLineage(graph) {
  const W = 170, H = 34, colX = { dataset: 20, model: 345, device: 670 };
  const models = graph.nodes.filter(n => n.kind === 'model');
  const self = models.find(n => n.self);
  const levels = Math.max(...models.map(n => n.level)) + 1;
  const side = k => graph.nodes.filter(n => n.kind === k);
  const rows = Math.max(levels, side('dataset').length, side('device').length);
  const svg = svgEl('svg', { id: 'lineage', width: 860, height: 30 + rows * 70, viewBox: '0 0 860 ' + (30 + rows * 70) });
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#6b7385' }));
  defs.append(marker); svg.append(defs);
  const pos = {};
  for (let level = 0; level < levels; level++) {
    const here = models.filter(n => n.level === level);
    here.forEach((n, i) => { pos[n.id] = { x: colX.model + (i - (here.length - 1) / 2) * (W + 12), y: 15 + level * 70 }; });
  }
  for (const k of ['dataset', 'device']) {
    const list = side(k);
    const top = pos[self.id].y - (list.length - 1) * 35;
    list.forEach((n, i) => { pos[n.id] = { x: colX[k], y: Math.max(15, top + i * 70) }; });
  }
  for (const e of graph.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    const vertical = e.kind === 'parent';
    const x1 = a.x + W / 2 + (vertical ? 0 : (a.x < b.x ? W / 2 : -W / 2)), y1 = a.y + (vertical ? H : H / 2);
    const x2 = b.x + W / 2 + (vertical ? 0 : (a.x < b.x ? -W / 2 : W / 2)), y2 = b.y + (vertical ? 0 : H / 2);
    svg.append(svgEl('line', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'data-kind': e.kind, x1, y1, x2, y2,
      stroke: '#6b7385', 'stroke-width': 1.5, 'marker-end': 'url(#arrow)' }));
  }
  const fill = { model: '#e7eeff', dataset: '#e8f6ec', device: '#fff4e0' };
  for (const n of graph.nodes) {
    const p = pos[n.id];
    const g = svgEl('g', { class: 'node', 'data-id': n.id, 'data-kind': n.kind, transform: 'translate(' + p.x + ',' + p.y + ')' });
    const box = svgEl('rect', { width: W, height: H, rx: 5, fill: fill[n.kind], stroke: n.self ? '#2f5bd3' : '#9aa5c4', 'stroke-width': n.self ? 2.5 : 1 });
    const a = svgEl('a', { href: n.kind === 'model' ? 'model.html?id=' + n.id : 'registry.html' });
    a.append(box, svgEl('text', { x: 8, y: 14 }, n.kind), svgEl('text', { x: 8, y: 28 }, n.label), svgEl('title', {}, n.id));
    g.append(a);
    svg.append(g);
  }
  document.getElementById('lineage').replaceWith(svg);
}

poll(async () => {
  let d;
  try { d = await api('models/' + encodeURIComponent(id || '')); }
  catch (e) { document.getElementById('model').hidden = true; throw e; }
  showHead(d.head);
  document.getElementById('model').hidden = false;
  const m = d.model;
  document.getElementById('title').textContent = 'Model ' + short(m.id);
  const facts = el('dl', { id: 'facts' });
  const f = (k, v) => facts.append(el('dt', {}, k), el('dd', {}, v === null || v === undefined ? '—' : v));
  f('model id', m.id); f('owner', m.owner); f('parent', m.parent); f('weights root', m.weightsRoot); f('op-set version', m.opSetVersion);
  f('class', m.modelClass); f('fee', m.fee.tokens + ' VRT'); f('owner share', m.ownerBps + ' bps'); f('jobs', m.jobs); f('fees paid', m.feesPaid.tokens + ' VRT');
  f('ancestors', d.ancestors.length); f('devices of its owner', d.devices.length);
  document.getElementById('facts').replaceWith(facts);
  drawLineage(d.graph);
  const body = el('tbody');
  for (const ds of m.datasets) {
    const full = d.datasets.find(x => x.id === ds.id) || {};
    body.append(row(mono(ds.id), ds.bps + ' bps', mono(short(full.recordsRoot), full.recordsRoot || ''), mono(short(full.owner), full.owner || '')));
  }
  document.querySelector('#datasets tbody').replaceWith(body);
}, 3000);
