'use strict';
// Set-up: forms generated from the key tables (GET /api/catalog), the same tables that validate
// the config file. The page edits a JSON copy of the file; the server turns it back into TOML,
// validates it with the loader `check` uses, saves it atomically and applies it live.
let catalog = null;
let model = null;

// The catalog names types as the config reference does ("array of strings"); short names here.
const kTypeNames = { 'array of strings': 'string_list', 'array of tables': 'table_list' };
function keyType(spec) { return kTypeNames[spec.type] || spec.type; }

function showValue(v, spec) {
  if (v === undefined || v === null) return '';
  if (keyType(spec) === 'string_list' && Array.isArray(v)) return v.join(', ');
  return String(v);
}

function parseValue(text, spec) {
  if (text === '') return undefined;
  switch (keyType(spec)) {
    case 'integer': case 'number': { const n = Number(text); return Number.isFinite(n) ? n : text; }
    case 'string_list': return text.split(',').map((s) => s.trim()).filter((s) => s.length);
    default: return text;
  }
}

// One input for one key of obj; data-path is the loader's key path, so errors find their field.
function field(spec, obj, path, onChange) {
  const wrap = el('div', null, 'field');
  wrap.dataset.path = path;
  const id = 'f-' + path.replace(/[^A-Za-z0-9_-]/g, '_');
  const label = el('label', spec.name + (spec.unit ? ' (' + spec.unit + ')' : '') + (spec.required ? ' *' : ''));
  label.htmlFor = id;
  wrap.appendChild(label);
  let input;
  const def = spec.default === null || spec.default === undefined ? '' : showValue(spec.default, spec);
  if (spec.type === 'boolean') {
    input = el('select');
    input.appendChild(new Option('default (' + (def || 'unset') + ')', ''));
    input.appendChild(new Option('true', 'true'));
    input.appendChild(new Option('false', 'false'));
    input.value = obj[spec.name] === undefined ? '' : String(obj[spec.name]);
    input.addEventListener('change', () => {
      if (input.value === '') delete obj[spec.name]; else obj[spec.name] = input.value === 'true';
      if (onChange) onChange();
    });
  } else if (spec.choices && spec.choices.length && spec.type === 'string') {
    input = el('select');
    if (!spec.required) input.appendChild(new Option('default (' + def + ')', ''));
    for (const c of spec.choices) input.appendChild(new Option(c, c));
    input.value = obj[spec.name] === undefined ? (spec.required ? spec.choices[0] : '') : obj[spec.name];
    if (spec.required && obj[spec.name] === undefined) obj[spec.name] = input.value;
    input.addEventListener('change', () => {
      if (input.value === '') delete obj[spec.name]; else obj[spec.name] = input.value;
      if (onChange) onChange();
    });
  } else {
    input = el('input');
    input.type = spec.secret ? 'password' : (spec.type === 'number' || spec.type === 'integer') ? 'number' : 'text';
    if (input.type === 'number') input.step = 'any';
    if (spec.min !== null && input.type === 'number') input.min = spec.min;
    if (spec.max !== null && input.type === 'number') input.max = spec.max;
    input.value = showValue(obj[spec.name], spec);
    input.placeholder = spec.secret && (model._secrets_set || []).includes(path) ? 'set (unchanged)' : def;
    input.autocomplete = 'off';
    input.addEventListener('input', () => {
      const v = parseValue(input.value, spec);
      if (v === undefined) delete obj[spec.name]; else obj[spec.name] = v;
      if (onChange) onChange();
    });
  }
  input.id = id;
  input.name = path;
  wrap.appendChild(input);
  const doc = el('div', spec.doc, 'doc');
  wrap.appendChild(doc);
  wrap.appendChild(el('div', '', 'err'));
  return wrap;
}

function fieldsFor(keys, obj, path, skip) {
  const box = el('div', null, 'fields');
  for (const spec of keys) {
    if ((skip || []).includes(spec.name)) continue;
    const at = path + '.' + spec.name;
    const list = keyType(spec) === 'table_list' && (obj[spec.name] === undefined || Array.isArray(obj[spec.name]));
    box.appendChild(list ? tableList(spec, obj, at) : field(spec, obj, at));
  }
  return box;
}

// An array of tables ([[policy.heat_demand.zones]]): one sub-form per entry, each field from
// spec.fields, with Add and Remove like miners and sources. Entries' paths are the loader's
// (`zones[1].comfort_c`), so each error lands at its field.
function tableList(spec, obj, path) {
  const wrap = el('div', null, 'field table-list');
  wrap.dataset.path = path;
  wrap.appendChild(el('label', spec.name + (spec.required ? ' *' : '')));
  wrap.appendChild(el('div', spec.doc, 'doc'));
  wrap.appendChild(el('div', '', 'err'));
  const list = el('div', null, 'items');
  wrap.appendChild(list);
  const one = spec.name.replace(/s$/, '');
  const add = el('button', 'Add ' + one, 'secondary'); add.type = 'button';
  add.dataset.add = path;
  wrap.appendChild(add);
  obj[spec.name] = obj[spec.name] || [];
  const items = obj[spec.name];
  const render = () => {
    list.replaceChildren();
    items.forEach((item, i) => {
      const p = path + '[' + i + ']';
      const box = el('div', null, 'item');
      box.dataset.path = p;
      const head = el('div', null, 'item-head');
      head.appendChild(el('b', item.id || '(new ' + one + ')'));
      const rm = el('button', 'Remove', 'secondary'); rm.type = 'button';
      rm.addEventListener('click', () => { items.splice(i, 1); render(); });
      head.appendChild(rm);
      box.appendChild(head);
      box.appendChild(fieldsFor(spec.fields, item, p));
      list.appendChild(box);
    });
  };
  add.addEventListener('click', () => {
    const item = {};
    if (spec.fields.some((f) => f.name === 'id')) {
      const ids = new Set(items.map((e) => e.id));
      let n = items.length + 1;
      while (ids.has(one + '-' + n)) n++;
      item.id = one + '-' + n;
    }
    items.push(item);
    render();
  });
  render();
  return wrap;
}

function renderList(kind) {
  const isMiner = kind === 'miners';
  const list = $(isMiner ? 'miners-list' : 'sources-list');
  list.replaceChildren();
  const items = model[kind] || [];
  const kinds = isMiner ? catalog.miner_drivers : catalog.source_types;
  const kindKey = isMiner ? 'driver' : 'type';
  items.forEach((item, i) => {
    const path = kind + '[' + i + ']';
    const box = el('div', null, 'item');
    box.dataset.path = path;
    const head = el('div', null, 'item-head');
    head.appendChild(el('b', item.id || '(new)'));
    const sel = el('select');
    sel.setAttribute('aria-label', kindKey);
    for (const name of Object.keys(kinds)) sel.appendChild(new Option(name, name));
    if (!kinds[item[kindKey]]) sel.appendChild(new Option(item[kindKey] || '?', item[kindKey] || ''));
    sel.value = item[kindKey] || '';
    sel.addEventListener('change', () => { item[kindKey] = sel.value; renderList(kind); });
    head.appendChild(sel);
    const test = el('button', 'Test', 'secondary'); test.type = 'button';
    const out = el('div', '', 'test-out');
    test.addEventListener('click', async () => {
      out.textContent = 'testing…';
      const body = {}; body[isMiner ? 'miner' : 'source'] = item;
      const r = await api('POST', isMiner ? '/api/test/miner' : '/api/test/source', body);
      out.textContent = describeTest(r);
    });
    head.appendChild(test);
    const rm = el('button', 'Remove', 'secondary'); rm.type = 'button';
    rm.addEventListener('click', () => { items.splice(i, 1); renderList(kind); });
    head.appendChild(rm);
    box.appendChild(head);
    const common = isMiner ? catalog.miner_common : catalog.source_common;
    box.appendChild(fieldsFor(common, item, path, [kindKey]));
    if (kinds[item[kindKey]]) box.appendChild(fieldsFor(kinds[item[kindKey]].keys, item, path));
    box.appendChild(out);
    list.appendChild(box);
  });
}

function describeTest(r) {
  if (r.status === 422) return 'invalid: ' + r.body.errors.map((e) => e.path + ': ' + e.message).join('; ');
  if (r.status !== 200) return (r.body && r.body.error) || 'failed';
  const b = r.body;
  if (!b.ok) return 'failed: ' + b.error;
  if (b.state) {
    const s = b.state;
    return 'ok: ' + [s.model, s.firmware, s.state, s.power_w !== null ? Math.round(s.power_w) + ' W' : null,
      s.hashrate_ths !== null && s.hashrate_ths !== undefined ? (s.hashrate_ths * 1000).toFixed(0) + ' GH/s' : null,
      b.caps ? b.caps.levels.length + ' power levels ' + Math.round(b.caps.min_power_w) + '–' + Math.round(b.caps.max_power_w) + ' W' : null]
      .filter((x) => x).join(' · ');
  }
  return 'ok: ' + Object.entries(b.values || {}).map(([k, v]) => k + ' = ' + v).join(' · ');
}

function renderPolicy() {
  const box = $('policy-section');
  box.replaceChildren();
  model.policy = model.policy || {};
  const useSpec = catalog.sections.policy.find((k) => k.name === 'use');
  box.appendChild(field(useSpec, model.policy, 'policy.use', renderPolicy));
  const use = model.policy.use || useSpec.default;
  const p = catalog.policies[use];
  if (p) {
    if (p.summary) box.appendChild(el('p', p.summary, 'muted'));
    model.policy[use] = model.policy[use] || {};
    box.appendChild(fieldsFor(p.keys, model.policy[use], 'policy.' + use));
  }
}

function renderSections() {
  model.site = model.site || {};
  $('site-section').replaceChildren(fieldsFor(catalog.sections.site, model.site, 'site'));
  const more = $('more-sections');
  more.replaceChildren();
  for (const s of ['governor', 'journal', 'web']) {
    model[s] = model[s] || {};
    more.appendChild(el('h3', s));
    more.appendChild(fieldsFor(catalog.sections[s], model[s], s));
  }
}

function renderAll() {
  renderList('miners');
  renderList('sources');
  renderPolicy();
  renderSections();
  const drivers = $('add-driver');
  drivers.replaceChildren();
  for (const [name, d] of Object.entries(catalog.miner_drivers))
    if (d.keys.some((k) => k.name === 'url')) drivers.appendChild(new Option(name, name));
  if (catalog.miner_drivers.axeos) drivers.value = 'axeos';   // the most common small miner
  const types = $('add-source-type');
  types.replaceChildren();
  for (const name of Object.keys(catalog.source_types)) types.appendChild(new Option(name, name));
}

function clearErrors() {
  for (const f of document.querySelectorAll('.field.has-error')) { f.classList.remove('has-error'); f.querySelector('.err').textContent = ''; }
  $('form-errors').replaceChildren();
}

// Each error at its field (the loader's key path); the rest in the list under Save.
function showErrors(errors) {
  clearErrors();
  let first = null;
  for (const e of errors) {
    let path = e.path || '';
    let f = null;
    while (path && !(f = document.querySelector('.field[data-path="' + CSS.escape(path) + '"]'))) {
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      if (cut <= 0) break;
      path = path.slice(0, cut);
    }
    if (f) {
      f.classList.add('has-error');
      const err = f.querySelector('.err');
      err.textContent = (err.textContent ? err.textContent + '; ' : '') + e.message;
      if (!first) first = f;
    } else {
      $('form-errors').appendChild(el('div', (e.path ? e.path + ': ' : '') + e.message));
    }
  }
  if (first) first.scrollIntoView({ block: 'center' });
}

async function loadVersions() {
  const r = await api('GET', '/api/config/versions');
  const list = $('versions');
  list.replaceChildren();
  if (r.status !== 200) return;
  if (!r.body.versions.length) list.appendChild(el('li', 'none yet: each save keeps the file it replaces', 'muted'));
  for (const v of r.body.versions) {
    const li = el('li');
    li.appendChild(el('span', 'replaced ' + new Date(v.saved_ms).toLocaleString() + ' · ' + v.bytes + ' bytes' +
      (v.note ? ' · ' + v.note : '')));
    const b = el('button', 'Restore', 'secondary'); b.type = 'button';
    b.dataset.version = v.id;
    b.addEventListener('click', async () => {
      const res = await api('POST', '/api/config/restore', { id: v.id });
      if (res.status === 200 && res.body.ok) { msg('save-msg', 'Restored: ' + res.body.message, true); await loadSetup(); }
      else if (res.status === 422) showErrors(res.body.errors);
      else msg('save-msg', (res.body && (res.body.error)) || 'failed', false);
    });
    li.appendChild(b);
    list.appendChild(li);
  }
}

async function loadSetup() {
  const admin = session.role === 'admin';
  $('setup-locked').hidden = admin;
  $('config-form').hidden = !admin;
  if (!admin) return;
  const [c, k] = await Promise.all([api('GET', '/api/config'), api('GET', '/api/catalog')]);
  if (c.status !== 200 || k.status !== 200) {
    $('setup-locked').hidden = false;
    $('setup-locked').textContent = ((c.body && c.body.error) || (k.body && k.body.error) || 'set-up unavailable');
    $('config-form').hidden = true;
    return;
  }
  catalog = k.body;
  model = c.body.config;
  model.miners = model.miners || [];
  model.sources = model.sources || [];
  renderAll();
  clearErrors();
  loadVersions();
}

function uniqueId(base) {
  const ids = new Set((model.miners || []).map((m) => m.id));
  let id = base.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 48) || 'miner';
  if (!ids.has(id)) return id;
  for (let n = 2; ; n++) if (!ids.has(id + '-' + n)) return id + '-' + n;
}

function addMiner(url, driver, name) {
  let host = url;
  try { host = new URL(url).host; } catch (e) { /* the loader will say what is wrong */ }
  model.miners.push({ id: uniqueId(name || host.replace(/:/g, '-')), driver: driver, url: url });
  renderList('miners');
  msg('add-msg', 'Added ' + url + '; press Save and apply.', true);
}

document.addEventListener('DOMContentLoaded', () => {
  window.addEventListener('tab', (e) => { if (e.detail === 'setup') loadSetup(); });
  onSession(() => { if (!$('view-setup').hidden) loadSetup(); });
  $('config-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    msg('save-msg', 'saving…', true);
    const r = await api('POST', '/api/config', { config: model });
    if (r.status === 200 && r.body.ok) {
      clearErrors();
      msg('save-msg', 'Saved and applied: ' + r.body.message + (r.body.note ? ' (file ' + r.body.note + ')' : ''), true);
      loadSetup();
    }
    else if (r.status === 200) msg('save-msg', 'Saved, but not applied: ' + r.body.error, false);
    else if (r.status === 422) { msg('save-msg', 'Not saved: fix the fields marked in red.', false); showErrors(r.body.errors); }
    else msg('save-msg', (r.body && r.body.error) || 'failed', false);
  });
  $('add-test').addEventListener('click', async () => {
    msg('add-msg', 'testing…', true);
    const r = await api('POST', '/api/test/miner', { miner: { driver: $('add-driver').value, url: $('add-url').value.trim() } });
    msg('add-msg', describeTest(r), r.status === 200 && r.body.ok);
  });
  $('add-miner').addEventListener('click', () => {
    const url = $('add-url').value.trim();
    if (!url) { msg('add-msg', 'enter the miner\'s URL', false); return; }
    addMiner(url, $('add-driver').value);
    $('add-url').value = '';
  });
  $('add-source').addEventListener('click', () => {
    const type = $('add-source-type').value;
    const n = (model.sources || []).length + 1;
    model.sources.push({ id: type + '-' + n, type: type });
    renderList('sources');
  });
  $('scan-btn').addEventListener('click', async () => {
    const box = $('scan-results');
    box.textContent = 'scanning…';
    const r = await api('POST', '/api/scan', $('scan-cidr').value ? { cidr: $('scan-cidr').value } : {});
    box.replaceChildren();
    if (r.status !== 200) { box.textContent = (r.body && r.body.error) || 'scan failed'; return; }
    const found = r.body.miners || r.body.found || [];
    if (!found.length) box.textContent = 'no miners found';
    for (const m of found) {
      const row = el('div', null, 'row');
      row.appendChild(el('span', (m.model || m.driver || '?') + ' at ' + (m.url || m.host)));
      const b = el('button', 'Add', 'secondary'); b.type = 'button';
      b.addEventListener('click', () => addMiner(m.url || ('http://' + m.host), m.driver || 'axeos', m.hostname));
      row.appendChild(b);
      box.appendChild(row);
    }
  });
});
