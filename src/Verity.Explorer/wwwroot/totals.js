'use strict';
nav('totals.html');
function drawChart(series) {
  const W = 860, H = 260, L = 50, R = 60, T = 15, B = 40, w = (W - L - R) / Math.max(1, series.length);
  const maxJobs = Math.max(1, ...series.map(s => s.jobs));
  const fees = series.map(s => Number(s.fees.tokens));
  const maxFees = Math.max(1e-18, ...fees);
  const svg = svgEl('svg', { id: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H });
  svg.append(svgEl('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#9aa5c4' }));
  svg.append(svgEl('text', { x: 4, y: T + 8 }, maxJobs + ' jobs'), svgEl('text', { x: W - R + 4, y: T + 8 }, maxFees.toPrecision(3) + ' VRT'));
  const points = [];
  series.forEach((s, i) => {
    const h = (H - T - B) * s.jobs / maxJobs;
    const bar = svgEl('rect', { class: 'bar', 'data-jobs': s.jobs, 'data-from': s.fromBlock, x: L + i * w + 2, y: H - B - h, width: Math.max(1, w - 4), height: h, fill: '#9db4f0' });
    bar.append(svgEl('title', {}, 'blocks ' + s.fromBlock + '–' + s.toBlock + ': ' + s.jobs + ' jobs, ' + s.finalized + ' finalized, ' + s.fees.tokens + ' VRT fees'));
    svg.append(bar);
    points.push((L + i * w + w / 2) + ',' + (H - B - (H - T - B) * fees[i] / maxFees));
    if (series.length <= 12 || i % Math.ceil(series.length / 12) === 0) svg.append(svgEl('text', { x: L + i * w, y: H - B + 14 }, s.fromBlock));
  });
  svg.append(svgEl('polyline', { class: 'fees', points: points.join(' '), fill: 'none', stroke: '#1e8449', 'stroke-width': 2 }));
  svg.append(svgEl('text', { x: L, y: H - 6 }, 'block'));
  document.getElementById('chart').replaceWith(svg);
}
poll(async () => {
  const d = await api('totals?buckets=24');
  showHead(d.head);
  const cards = el('div', { id: 'cards', class: 'cards' });
  for (const [k, v] of [['jobs', d.jobs], ['finalized', d.finalized], ['open', d.open], ['refunded', d.refunded], ['disputes', d.disputes],
    ['slashes', d.slashes], ['fees paid (VRT)', d.feesPaid.tokens], ['staked (VRT)', d.staked.tokens], ['workers', d.workers], ['models', d.models],
    ['datasets', d.datasets], ['devices', d.devices]])
    cards.append(el('div', { class: 'card', 'data-total': k }, el('div', { class: 'muted' }, k), el('div', { class: 'v' }, v)));
  document.getElementById('cards').replaceWith(cards);
  drawChart(d.series);
}, 3000);
