'use strict';
nav('');
const id = param('id');
let done = false;
poll(async () => {
  if (done) return;
  let d;
  try { d = await api('jobs/' + encodeURIComponent(id || '')); }
  catch (e) { document.getElementById('job').hidden = true; throw e; }
  showHead(d.head);
  document.getElementById('job').hidden = false;
  document.getElementById('title').textContent = 'Job #' + d.receipt.jobId;
  const r = d.receipt;
  const rec = el('dl', { id: 'receipt' });
  const field = (name, key, value) => { rec.append(el('dt', {}, name), el('dd', { 'data-field': key, class: key === 'status' ? 'status ' + value : '' }, value === null || value === undefined ? '—' : value)); };
  field('job id', 'jobId', r.jobId); field('status', 'status', r.status); field('model id', 'modelId', r.modelId);
  field('output hash', 'outputHash', r.outputHash); field('trace root', 'traceRoot', r.traceRoot); field('input root', 'inputRoot', r.inputRoot);
  field('worker', 'worker', r.worker); field('requester', 'requester', r.requester); field('attempt', 'attempt', r.attempt);
  field('fee', 'fee', d.fee.tokens + ' VRT'); field('input / output', 'sizes', (d.inputBytes > 0 ? d.inputBytes + ' bytes' : 'served off-chain (root only)') + ' / ' + (d.outputBytes == null ? '—' : d.outputBytes + ' bytes'));
  document.getElementById('receipt').replaceWith(rec);

  const split = el('div', { id: 'split', class: d.split ? '' : 'muted' });
  if (d.split) {
    split.append(el('table', {}, el('tbody', {},
      row('fee', el('td', { 'data-cut': 'fee' }, d.split.fee.tokens)), row('worker', el('td', { 'data-cut': 'worker' }, d.split.worker.tokens)),
      row('royalty (model owner and datasets)', el('td', { 'data-cut': 'royalty' }, d.split.royalty.tokens)),
      row('validator pool', el('td', { 'data-cut': 'validators' }, d.split.validators.tokens)))));
  } else split.append('not finalized yet');
  document.getElementById('split').replaceWith(split);

  document.getElementById('audit').textContent = d.audit.state + (d.audit.auditor ? ' — auditor ' + d.audit.auditor : '');

  const steps = el('ol', { id: 'dispute', class: 'steps' });
  for (const s of d.dispute) {
    steps.append(el('li', { 'data-kind': s.kind, 'data-role': s.role || '' },
      el('span', { class: 'kind' }, s.kind), el('span', { class: 'role' }, s.role || ''), s.detail, el('span', { class: 'muted' }, '  · block ' + s.block)));
  }
  document.getElementById('dispute').replaceWith(steps);
  document.getElementById('no-dispute').hidden = d.dispute.length > 0;

  const out = el('div', { id: 'outcome' });
  if (d.outcome) {
    const o = d.outcome;
    const text = o.expired ? 'Dispute expired: bond ' + o.bond.tokens + ' VRT returned, nobody slashed.'
      : o.workerWasRight ? 'Worker was right: the challenger\'s bond of ' + o.bond.tokens + ' VRT went to the worker.'
      : 'Worker slashed ' + o.slashed.tokens + ' VRT: ' + o.reward.tokens + ' VRT to ' + o.rewardTo + ', ' + o.burned.tokens + ' VRT burned; bond ' + o.bond.tokens + ' VRT back to the challenger.';
    out.append(el('div', { class: 'outcome' + (o.workerWasRight || o.expired ? '' : ' slashed'), 'data-slashed': o.slashed.wei }, text));
  }
  document.getElementById('outcome').replaceWith(out);

  const ev = el('tbody');
  for (const e of d.events) ev.append(el('tr', { 'data-event': e.kind }, el('td', {}, e.block), el('td', {}, e.kind), mono(short(e.actor), e.actor || ''), el('td', {}, e.detail)));
  document.querySelector('#events tbody').replaceWith(ev);

  document.getElementById('nodes-section').hidden = d.nodes.length === 0;
  const nb = el('tbody');
  for (const n of d.nodes) nb.append(el('tr', { 'data-role': n.role }, el('td', {}, n.store), el('td', {}, n.role), el('td', { 'data-col': 'state' }, n.state), mono(short(n.traceRoot), n.traceRoot || ''), mono(short(n.tx), n.tx || '')));
  document.querySelector('#nodes tbody').replaceWith(nb);
  done = r.status === 'Finalized' || r.status === 'Refunded';
}, 1000);
