'use strict';
nav('registry.html');
const modelLinks = ids => el('td', {}, ...ids.map(m => link('model.html?id=' + m, short(m) + ' ')));
poll(async () => {
  const [ds, dv] = await Promise.all([api('datasets'), api('devices')]);
  showHead(ds.head);
  const b1 = el('tbody');
  for (const d of ds.datasets) {
    b1.append(el('tr', { 'data-dataset': d.id }, mono(short(d.id), d.id), mono(short(d.owner), d.owner), mono(short(d.recordsRoot), d.recordsRoot),
      el('td', {}, d.bond.tokens), el('td', {}, d.contributors.map(c => short(c.address) + ' ' + c.bps + ' bps').join(', ')),
      modelLinks(d.models), el('td', {}, d.retired ? 'retired' : 'active')));
  }
  document.querySelector('#datasets tbody').replaceWith(b1);
  const b2 = el('tbody');
  for (const d of dv.devices) {
    b2.append(el('tr', { 'data-device': d.device }, mono(d.device), mono(d.owner), el('td', {}, 'block ' + d.block), modelLinks(d.models),
      el('td', {}, d.bound ? 'bound' : 'unbound')));
  }
  document.querySelector('#devices tbody').replaceWith(b2);
}, 3000);
