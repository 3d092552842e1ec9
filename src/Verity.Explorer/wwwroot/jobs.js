'use strict';
nav('index.html');
poll(async () => {
  const d = await api('jobs?limit=200');
  showHead(d.head);
  document.getElementById('count').textContent = d.count + ' jobs' + (d.error ? ' (indexer: ' + d.error + ')' : '');
  const body = el('tbody');
  for (const j of d.jobs) {
    body.append(el('tr', { 'data-job-id': j.id },
      el('td', {}, link('job.html?id=' + j.id, '#' + j.id)),
      el('td', { class: 'status ' + j.status }, j.status + (j.disputed ? ' ⚑' : '')),
      mono(short(j.modelId), j.modelId), mono(short(j.worker), j.worker || ''),
      el('td', {}, j.fee.tokens), el('td', {}, 'block ' + j.requestBlock), el('td', {}, 'block ' + j.lastBlock), el('td', {}, j.audit)));
  }
  document.querySelector('#jobs tbody').replaceWith(body);
}, 1000);
