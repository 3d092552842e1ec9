'use strict';
nav('workers.html');
poll(async () => {
  const d = await api('workers');
  showHead(d.head);
  const body = el('tbody');
  for (const w of d.workers) {
    body.append(el('tr', { 'data-worker': w.address },
      mono(w.address), el('td', { 'data-col': 'stake' }, w.stake.tokens), el('td', {}, w.slashable.tokens), el('td', {}, w.results),
      el('td', {}, w.finalized), el('td', {}, w.earned.tokens), el('td', {}, w.audits + ' (' + w.auditsConfirmed + ')'),
      el('td', {}, w.challenges), el('td', { 'data-col': 'slashes' }, w.slashes), el('td', { 'data-col': 'slashed' }, w.slashed.tokens),
      el('td', {}, ...w.models.map(m => link('model.html?id=' + m, short(m) + ' ')))));
  }
  document.querySelector('#workers tbody').replaceWith(body);
}, 2000);
