'use strict';
// Shared by the page's scripts: the session, fetch with the CSRF token, small DOM helpers.
const $ = (id) => document.getElementById(id);
const session = { user: null, role: null, csrf: null, setup_needed: false, public_status: true };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
const watts = (w) => (w === null || w === undefined || Number.isNaN(w)) ? '–'
  : Math.abs(w) >= 10000 ? (w / 1000).toFixed(1) + ' kW' : Math.round(w) + ' W';
const num = (v, digits, unit) => (v === null || v === undefined) ? '–' : v.toFixed(digits) + unit;

// JSON API call; writes carry the CSRF token. Resolves to {status, body}.
async function api(method, path, body) {
  const opts = { method, headers: {}, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && session.csrf) opts.headers['X-CSRF-Token'] = session.csrf;
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  return { status: r.status, body: data };
}

function msg(id, text, ok) {
  const m = $(id);
  m.textContent = text || '';
  m.className = 'msg' + (text ? (ok ? ' ok' : ' bad') : '');
}

const sessionListeners = [];
function onSession(fn) { sessionListeners.push(fn); }

async function refreshSession() {
  const r = await api('GET', '/api/session');
  if (r.status === 200 && r.body) Object.assign(session, r.body);
  document.body.classList.toggle('is-admin', session.role === 'admin');
  document.body.classList.toggle('logged-in', !!session.user);
  $('first-run').hidden = !session.setup_needed;
  $('account-tab').textContent = session.user ? session.user : 'Log in';
  $('login-card').hidden = !!session.user;
  $('account-card').hidden = !session.user;
  $('who').textContent = session.user ? session.user + ' (' + session.role + ')' : '';
  for (const fn of sessionListeners) fn();
}

function showTab(name) {
  for (const b of document.querySelectorAll('#tabs .tab')) b.classList.toggle('active', b.dataset.tab === name);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  window.dispatchEvent(new CustomEvent('tab', { detail: name }));
}

document.addEventListener('DOMContentLoaded', () => {
  for (const b of document.querySelectorAll('#tabs .tab')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('setup-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/setup', { setup_code: $('setup-code').value, password: $('setup-password').value });
    if (r.status === 200) {
      session.csrf = r.body.csrf; $('setup-password').value = ''; $('setup-code').value = '';
      msg('setup-msg', ''); await refreshSession(); showTab('setup');
    } else msg('setup-msg', (r.body && r.body.error) || 'failed', false);
  });
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/login', { user: $('login-user').value, password: $('login-password').value });
    $('login-password').value = '';
    if (r.status === 200) { msg('login-msg', ''); await refreshSession(); showTab('live'); }
    else msg('login-msg', (r.body && r.body.error) || 'failed', false);
  });
  $('logout-btn').addEventListener('click', async () => {
    await api('POST', '/api/logout', {});
    session.user = null; session.role = null; session.csrf = null;
    await refreshSession();
  });
  $('pw-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/password', { user: 'admin', current: $('pw-current').value, password: $('pw-new').value });
    $('pw-current').value = ''; $('pw-new').value = '';
    if (r.status === 200) { msg('account-msg', 'Password changed; log in again.', true); await refreshSession(); }
    else msg('account-msg', (r.body && r.body.error) || 'failed', false);
  });
  $('viewer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/password', { user: 'viewer', password: $('viewer-pw').value });
    $('viewer-pw').value = '';
    msg('account-msg', r.status === 200 ? 'Viewer password set.' : ((r.body && r.body.error) || 'failed'), r.status === 200);
  });
  refreshSession();
});
