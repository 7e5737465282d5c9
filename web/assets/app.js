'use strict';
// Polls /api/status once a second and renders it. No framework: the page must load on a
// phone in the field with nothing from the internet.
const history = [];          // {t, pv, grid, miners}
const HISTORY_POINTS = 600;

// One card per heat zone: its temperature, the setpoint now and what the thermostat does.
// Connections the server closed on its own (a crowd, slow or oversized requests): shown for a
// minute after the count last grew, with the totals since start.
let webClosedSeen = null, webClosedGrewAt = 0;
function renderWebCrowd(web) {
  if (!web) return;
  const c = web.closed;
  const total = c.to_make_room + c.too_slow + c.too_large + c.unreadable;
  if (webClosedSeen !== null && total > webClosedSeen) webClosedGrewAt = Date.now();
  webClosedSeen = total;
  const recent = Date.now() - webClosedGrewAt < 60000;
  $('web-problem').hidden = !recent;
  if (recent)
    $('web-problem').textContent = 'Web server crowded: connections closed to make room ' +
        c.to_make_room + ', too slow ' + c.too_slow + ', too large ' + c.too_large +
        ', unreadable ' + c.unreadable + ' (since start)';
}

// Outside managers' site limit in force (Modbus, ...), and any whose heartbeat lapsed.
function siteLimitText(limit) {
  if (!limit || limit.limit_w === null || limit.limit_w === undefined) return '';
  const lapsed = Object.entries(limit.sources || {}).filter(([, l]) => l.lapsed).map(([s]) => s);
  return ' · site limit ' + watts(limit.limit_w) +
    (lapsed.length ? ' (' + lapsed.join(', ') + ' heartbeat lapsed: failsafe)' : '');
}

function renderZones(zones) {
  const box = $('zones');
  box.hidden = zones.length === 0;
  box.replaceChildren();
  for (const z of zones) {
    const card = el('div', null, 'card zone');
    card.dataset.zone = z.id;
    card.appendChild(el('div', 'Heat · ' + z.id, 'label'));
    card.appendChild(el('div', z.temperature_c === null ? '–' : num(z.temperature_c, 1, ' °C'), 'value'));
    let what;
    if (z.stale) what = 'sensor stale: safe state';
    else if (z.heating) what = (z.preheating ? 'pre-heating ' : 'heating ') + Math.round(100 * z.fraction) + ' % · floor ' + watts(z.floor_w);
    else what = 'no heat needed';
    card.appendChild(el('div', (z.stale ? '' : 'target ' + num(z.target_c, 1, ' °C') + ' · ') + what, 'sub'));
    box.appendChild(card);
  }
}

function findValue(status, name) {
  for (const s of status.sources) {
    const v = s.values[name];
    if (v && !v.stale) return v.value;
  }
  return null;
}

function render(st) {
  const d = st.decision;
  const badge = $('badge');
  if (d.fail_safe) { badge.textContent = 'safe state'; badge.className = 'badge bad'; }
  else if (d.shed) { badge.textContent = 'shedding'; badge.className = 'badge warn'; }
  else { badge.textContent = 'running'; badge.className = 'badge ok'; }
  $('clock').textContent = 'tick ' + st.tick + ' · ' + st.time.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

  const pv = findValue(st, 'pv.ac_power_w');
  const grid = findValue(st, 'grid.power_w');
  const pvState = findValue(st, 'pv.state');
  $('pv').textContent = watts(pv);
  const rating = findValue(st, 'pv.rating_w');
  const states = {1: 'off', 2: 'sleeping', 3: 'starting', 4: 'MPPT', 5: 'throttled / clipping',
                  6: 'shutting down', 7: 'fault', 8: 'standby'};
  $('pv-sub').textContent = (rating ? 'of ' + watts(rating) : '') + (pvState ? ' · ' + (states[pvState] || pvState) : '');
  $('grid').textContent = grid === null ? '–' : watts(Math.abs(grid));
  $('grid-sub').textContent = grid === null ? 'no reading' : grid > 0 ? 'importing' : 'exporting';
  $('miners-w').textContent = watts(st.measured_w);
  const total = st.fleet ? st.fleet.miners : st.miners.length;
  const mining = st.fleet ? st.fleet.mining
    : st.miners.filter((m) => m.online && m.state && m.state.state === 'mining').length;
  $('miners-sub').textContent = mining + ' of ' + total + ' mining · plan ' + watts(st.planned_w);
  const battery = findValue(st, 'battery.power_w');
  $('battery-card').hidden = battery === null;
  if (battery !== null) {
    $('battery').textContent = watts(Math.abs(battery));
    const soc = findValue(st, 'battery.soc_pct');
    $('battery-sub').textContent = (battery > 0 ? 'discharging' : 'charging') + (soc !== null ? ' · ' + Math.round(soc) + ' %' : '');
  }
  const genset = findValue(st, 'genset.power_w');
  $('genset-card').hidden = genset === null;
  if (genset !== null) {
    $('genset').textContent = watts(genset);
    const rating = findValue(st, 'genset.rating_w');
    $('genset-sub').textContent = rating ? 'of ' + watts(rating) : '';
  }
  $('budget').textContent = watts(d.budget_w);
  $('policy').textContent = d.policy + (d.heat_floor_w ? ' · heat floor ' + watts(d.heat_floor_w) : '') + siteLimitText(st.site_limit);
  // Hash revenue and the value of the heat the miners replace, apart (economics).
  const valued = d.hash_value_per_h !== null && d.hash_value_per_h !== undefined;
  $('value-card').hidden = !valued;
  if (valued) {
    $('value-total').textContent = num(d.hash_value_per_h + d.heat_value_per_h, 3, '');
    $('value-sub').textContent = 'hash ' + num(d.hash_value_per_h, 3, '') + ' · heat ' + num(d.heat_value_per_h, 3, '');
  }
  renderZones(d.heat_zones || []);
  $('reason').textContent = d.reason + (st.override ? ' · override: ' + JSON.stringify(st.override) : '');
  // A journal that cannot write (a full disk): control goes on, the history has a gap.
  const journal = st.journal;
  $('journal-problem').hidden = !journal || journal.writing;
  if (journal && !journal.writing)
      $('journal-problem').textContent = 'History not recorded: ' + journal.last_error + ' · ' +
          journal.rows_failed + ' rows lost';
  renderWebCrowd(st.web);

  if (st.fleet) renderFleetWindow(st);
  else renderAllMiners(st.miners);

  const sbody = $('sources').tBodies[0];
  sbody.replaceChildren();
  for (const s of st.sources) {
    const tr = el('tr');
    tr.appendChild(el('td', s.id + ' (' + s.type + ')'));
    tr.appendChild(el('td', s.ok ? 'ok · ' + s.age_s.toFixed(1) + ' s ago' : 'error: ' + s.last_error,
                      s.ok ? 'st-mining' : 'st-error'));
    const parts = Object.entries(s.values).map(([k, v]) =>
      k + ' = ' + (Math.abs(v.value) >= 100 ? Math.round(v.value) : v.value.toFixed(2)) + (v.problem ? ' (' + v.problem + ')' : v.stale ? ' (stale)' : ''));
    tr.appendChild(el('td', parts.join(' · '), 'why'));
    sbody.appendChild(tr);
  }

  history.push({pv: pv, grid: grid, miners: st.measured_w});
  if (history.length > HISTORY_POINTS) history.shift();
  drawChart();
}

// A miner table row: id, state, power, hashrate, frequency / core voltage, chip, target, why.
function minerRow(id, state, power, hashrateThs, freqVolt, chipC, target, why) {
  const tr = el('tr');
  tr.appendChild(el('td', id));
  tr.appendChild(el('td', state, 'st-' + state));
  tr.appendChild(el('td', watts(power)));
  tr.appendChild(el('td', num(hashrateThs === undefined || hashrateThs === null ? null : hashrateThs * 1000, 0, ' GH/s')));
  tr.appendChild(el('td', freqVolt));
  tr.appendChild(el('td', num(chipC, 1, ' °C')));
  tr.appendChild(el('td', target));
  tr.appendChild(el('td', why, 'why'));
  return tr;
}

// A small fleet: every miner of the full status, in one table.
function renderAllMiners(miners) {
  $('miners-wrap').classList.remove('virtual');
  $('miners-fleet').hidden = true;
  const tbody = $('miners').tBodies[0];
  tbody.replaceChildren();
  for (const m of miners) {
    const s = m.state || {};
    const t = m.target;
    tbody.appendChild(minerRow(m.id, m.online ? (s.state || '–') : 'offline', s.power_w, s.hashrate_ths,
      num(s.frequency_mhz, 0, ' MHz') + ' / ' + num(s.core_voltage_mv, 0, ' mV'), s.chip_temp_c,
      (t.run ? watts(t.power_w) : 'paused') + (m.target_applied ? '' : ' …'),
      m.last_error ? m.last_error : m.reason));
  }
}

// A large fleet (more than COMPACT_FLEET miners): the page polls the compact status, fleet
// totals and a page of short rows around the rows in view, and the table draws only the rows in
// view between two empty rows as tall as the rest, so scrolling works as through all of them.
const COMPACT_FLEET = 200;
const PAGE_ROWS = 100, ROWS_ABOVE = 30;
let bigFleet = null;                       // null until the first answer says how large it is
let fleetPage = { offset: 0, total: 0, rows: [] };
let rowHeight = 0;                         // measured from a drawn row

function compactPath() {
  const first = rowHeight ? Math.floor($('miners-wrap').scrollTop / rowHeight) : 0;
  return '/api/status?view=compact&limit=' + PAGE_ROWS + '&offset=' + Math.max(0, first - ROWS_ABOVE);
}

function gapRow(px) {
  const tr = el('tr', null, 'gap');
  const td = el('td');
  td.colSpan = 8;
  td.style.height = px + 'px';
  tr.appendChild(td);
  return tr;
}

// Whether a page of rows holds every row in view.
function coversView(page) {
  const wrap = $('miners-wrap');
  const h = rowHeight || 30;
  const first = Math.floor(wrap.scrollTop / h);
  const last = Math.min(page.total, first + Math.ceil(wrap.clientHeight / h));
  return first >= page.offset && last <= page.offset + page.rows.length;
}

function renderFleetWindow(st) {
  if (st) {
    const page = { offset: st.page.offset, total: st.page.total, rows: st.miners };
    // A poll asked before a scroll answers rows out of view: keep the rows in view, if any.
    if (coversView(page) || !coversView(fleetPage) || page.total !== fleetPage.total) fleetPage = page;
    const f = st.fleet;
    $('miners-fleet').hidden = false;
    $('miners-fleet').textContent = f.miners + ' miners · ' + f.online + ' online · ' + f.mining +
      ' mining · ' + f.paused + ' paused · ' + f.offline + ' offline · ' + f.in_fault + ' in fault · ' +
      num(f.hashrate_ths / 1000, 2, ' PH/s');
  }
  const wrap = $('miners-wrap');
  wrap.classList.add('virtual');
  const tbody = $('miners').tBodies[0];
  const h = rowHeight || 30;
  const total = fleetPage.total;
  const first = Math.min(total, Math.floor(wrap.scrollTop / h));
  const last = Math.min(total, first + Math.ceil(wrap.clientHeight / h) + 1);
  const rows = [gapRow(first * h)];
  for (let i = first; i < last; i++) {
    const r = fleetPage.rows[i - fleetPage.offset];
    if (!r) { rows.push(minerRow('…', '', null, null, '', null, '', '')); continue; }
    rows.push(minerRow(r.id, r.online ? (r.state || '–') : 'offline', r.power_w, r.hashrate_ths, '–',
      r.chip_temp_c, (r.run ? watts(r.target_w) : 'paused') + (r.applied ? '' : ' …'), r.error));
  }
  rows.push(gapRow((total - last) * h));
  tbody.replaceChildren(...rows);
  if (!rowHeight && last > first) {
    rowHeight = tbody.rows[1].getBoundingClientRect().height || 30;
    if (rowHeight !== h) renderFleetWindow(null);
  }
}

// Scrolling draws the rows now from the last page, and asks for the page in view when the last
// one does not cover it.
let scrollFetch = null;
function onMinersScroll() {
  if (!bigFleet) return;
  renderFleetWindow(null);
  if (!rowHeight || coversView(fleetPage) || scrollFetch) return;
  scrollFetch = setTimeout(async () => {
    try {
      const r = await fetch(compactPath(), { cache: 'no-store', credentials: 'same-origin' });
      if (r.ok) render(await r.json());
    } catch (e) { /* the next poll says what is wrong */ }
    scrollFetch = null;
  }, 100);
}

// The status to show: the compact page while the fleet is large, else the full status without
// caps (they are most of the bytes; /api/caps has them). Resolves to the failed answer, if any.
async function fetchStatus() {
  const get = (path) => fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  if (bigFleet !== false) {
    const r = await get(compactPath());
    if (!r.ok) return { failed: r };
    const st = await r.json();
    bigFleet = st.page.total > COMPACT_FLEET;
    if (bigFleet) return { st };
  }
  const r = await get('/api/status?caps=0');
  if (!r.ok) return { failed: r };
  const st = await r.json();
  if (st.miners.length > COMPACT_FLEET) bigFleet = true;   // grown: the next poll is compact
  return { st };
}

function drawChart() {
  const c = $('chart');
  const ratio = window.devicePixelRatio || 1;
  const w = c.clientWidth * ratio, h = c.clientHeight * ratio;
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const g = c.getContext('2d');
  g.clearRect(0, 0, w, h);
  if (history.length < 2) return;
  let lo = 0, hi = 1;
  for (const p of history) for (const v of [p.pv, p.grid, p.miners])
    if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const y = (v) => h - 4 - (v - lo) / (hi - lo) * (h - 8);
  const x = (i) => i / (HISTORY_POINTS - 1) * w;
  g.strokeStyle = '#263040'; g.lineWidth = ratio;
  g.beginPath(); g.moveTo(0, y(0)); g.lineTo(w, y(0)); g.stroke();
  const css = getComputedStyle(document.documentElement);
  for (const [key, color] of [['pv', '--pv'], ['grid', '--grid'], ['miners', '--miners']]) {
    g.strokeStyle = css.getPropertyValue(color).trim(); g.lineWidth = 2 * ratio;
    g.beginPath();
    let started = false;
    history.forEach((p, i) => {
      if (p[key] === null) { started = false; return; }
      if (!started) { g.moveTo(x(i), y(p[key])); started = true; } else g.lineTo(x(i), y(p[key]));
    });
    g.stroke();
  }
}

async function poll() {
  try {
    const { st, failed: r } = await fetchStatus();
    if (st) render(st);
    else if (r.status === 401) { $('badge').textContent = 'log in to see the status'; $('badge').className = 'badge warn'; }
    else { $('badge').textContent = 'starting'; $('badge').className = 'badge warn'; }
  } catch (e) {
    $('badge').textContent = 'daemon unreachable'; $('badge').className = 'badge bad';
  }
  setTimeout(poll, 1000);
}
poll();

// Events as they happen: poll the journal's events after the last one seen.
let lastEventId = null;
async function pollEvents() {
  if (session.user) {
    const path = lastEventId === null ? '/api/events?limit=30' : '/api/events?after=' + lastEventId;
    const r = await api('GET', path).catch(() => null);
    if (r && r.status === 200) {
      const list = $('events');
      for (const e of r.body.events) {
        const li = el('li', null, 'ev-' + e.severity);
        li.appendChild(el('span', e.time.replace('T', ' ').replace(/\.\d+Z$/, ''), 'muted'));
        li.appendChild(el('b', ' ' + e.code + ' '));
        li.appendChild(el('span', (e.subject ? e.subject + ': ' : '') + e.message));
        list.insertBefore(li, list.firstChild);
      }
      while (list.children.length > 100) list.removeChild(list.lastChild);
      lastEventId = r.body.last_id;
    }
  }
  setTimeout(pollEvents, 2000);
}
pollEvents();

document.addEventListener('DOMContentLoaded', () => {
  $('miners-wrap').addEventListener('scroll', onMinersScroll, { passive: true });
  $('override-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/override', { mode: $('override-mode').value, minutes: Number($('override-minutes').value) });
    msg('override-msg', r.status === 200 ? 'Override set.' : ((r.body && r.body.error) || 'failed'), r.status === 200);
  });
  $('override-clear').addEventListener('click', async () => {
    const r = await api('POST', '/api/override', { mode: 'clear' });
    msg('override-msg', r.status === 200 ? 'Override cleared.' : ((r.body && r.body.error) || 'failed'), r.status === 200);
  });
});
