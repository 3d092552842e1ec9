'use strict';
nav('models.html');
poll(async () => {
  const d = await api('models');
  showHead(d.head);
  const body = el('tbody');
  for (const m of d.models) {
    body.append(el('tr', { 'data-model': m.id },
      el('td', { class: 'mono' }, link('model.html?id=' + m.id, short(m.id))), mono(short(m.owner), m.owner),
      el('td', { class: 'mono' }, m.parent ? link('model.html?id=' + m.parent, short(m.parent)) : '—'),
      el('td', {}, m.fee.tokens), el('td', {}, (m.ownerBps / 100) + ' %'), el('td', {}, m.datasets.length), el('td', {}, m.children),
      el('td', {}, m.jobs), el('td', {}, m.feesPaid.tokens)));
  }
  document.querySelector('#models tbody').replaceWith(body);
}, 3000);
