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
  const mining = st.miners.filter((m) => m.state && m.state.state === 'mining').length;
  $('miners-sub').textContent = mining + ' of ' + st.miners.length + ' mining · plan ' + watts(st.planned_w);
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
  $('policy').textContent = d.policy + (d.heat_floor_w ? ' · heat floor ' + watts(d.heat_floor_w) : '');
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

  const tbody = $('miners').tBodies[0];
  tbody.replaceChildren();
  for (const m of st.miners) {
    const s = m.state || {};
    const tr = el('tr');
    tr.appendChild(el('td', m.id));
    const state = m.online ? (s.state || '–') : 'offline';
    tr.appendChild(el('td', state, 'st-' + state));
    tr.appendChild(el('td', watts(s.power_w)));
    tr.appendChild(el('td', num(s.hashrate_ths === undefined ? null : s.hashrate_ths * 1000, 0, ' GH/s')));
    tr.appendChild(el('td', num(s.frequency_mhz, 0, ' MHz') + ' / ' + num(s.core_voltage_mv, 0, ' mV')));
    tr.appendChild(el('td', num(s.chip_temp_c, 1, ' °C')));
    const t = m.target;
    tr.appendChild(el('td', (t.run ? watts(t.power_w) : 'paused') + (m.target_applied ? '' : ' …')));
    tr.appendChild(el('td', m.last_error ? m.last_error : m.reason, 'why'));
    tbody.appendChild(tr);
  }

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
    // Without the miners' caps: they are most of the bytes of a large fleet (/api/caps has them).
    const r = await fetch('/api/status?caps=0', {cache: 'no-store', credentials: 'same-origin'});
    if (r.ok) render(await r.json());
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
