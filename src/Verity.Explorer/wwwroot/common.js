// Shared helpers for the explorer's pages: fetch the JSON API (relative URLs, so any base path works), build DOM
// nodes without innerHTML (every value comes from the chain and is shown as text), and poll.
'use strict';

async function api(path) {
  const r = await fetch('api/' + path, { cache: 'no-store' });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + r.status);
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
  return e;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function short(hex) { return hex && hex.length > 14 ? hex.slice(0, 8) + '…' + hex.slice(-4) : (hex || '—'); }
function param(name) { return new URLSearchParams(location.search).get(name); }
function link(href, text) { return el('a', { href }, text); }
function row(...cells) { return el('tr', {}, ...cells.map(c => c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c))); }
function mono(text, title) { return el('td', { class: 'mono', title: title || text }, text); }

// Runs render() now and every `ms`, showing a failure in #error instead of stopping.
function poll(render, ms) {
  const tick = async () => {
    const err = document.getElementById('error');
    try { await render(); if (err) err.textContent = ''; }
    catch (e) { if (err) err.textContent = e.message; }
    setTimeout(tick, ms);
  };
  tick();
}

function showHead(head) { const h = document.getElementById('head'); if (h) h.textContent = 'block ' + head; }

function nav(here) {
  const pages = [['index.html', 'Jobs'], ['workers.html', 'Workers'], ['models.html', 'Models'], ['registry.html', 'Datasets & devices'], ['totals.html', 'Totals']];
  const h = el('header', {}, el('b', {}, 'Verity explorer'));
  for (const [href, text] of pages) h.append(el('a', { href, class: href === here ? 'here' : '' }, text));
  h.append(el('span', { class: 'head', id: 'head' }, ''));
  document.body.prepend(h);
}
