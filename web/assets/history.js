'use strict';
// History charts: the journal downsampled in SQL (hour: raw 10 s, day: 5 min from the minute
// rollups, 30 days: 2 h from the hour rollups), drawn on canvases.
// zero: the value axis includes 0 (power, hashrate); off for temperatures.
function drawSeries(canvas, t, series, zero = true) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth * ratio, h = canvas.clientHeight * ratio;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, w, h);
  if (t.length < 1) {
    g.fillStyle = '#8b98a5'; g.font = (13 * ratio) + 'px sans-serif';
    g.fillText('no data in this range', 10 * ratio, 20 * ratio);
    return;
  }
  let lo = zero ? 0 : Infinity, hi = zero ? 1e-9 : -Infinity;
  for (const s of series) for (const v of s.values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!zero) {
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    const margin = Math.max(0.5, (hi - lo) * 0.1);
    lo -= margin; hi += margin;
  }
  const t0 = t[0], t1 = Math.max(t[t.length - 1], t0 + 1);
  const pad = 16 * ratio;
  const x = (ts) => (ts - t0) / (t1 - t0) * (w - pad) + pad / 2;
  const y = (v) => h - pad - (v - lo) / (hi - lo) * (h - 2 * pad);
  g.strokeStyle = '#263040'; g.lineWidth = ratio;
  g.beginPath(); g.moveTo(0, y(0)); g.lineTo(w, y(0)); g.stroke();
  g.fillStyle = '#8b98a5'; g.font = (11 * ratio) + 'px sans-serif';
  g.fillText(hi >= 100 ? Math.round(hi) : hi.toPrecision(3), 2, 12 * ratio);
  if (!zero) g.fillText(lo.toPrecision(3), 2, h - 4 * ratio);
  const css = getComputedStyle(document.documentElement);
  for (const s of series) {
    g.strokeStyle = css.getPropertyValue(s.color).trim(); g.lineWidth = 2 * ratio;
    g.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (v === null) { started = false; return; }
      if (!started) { g.moveTo(x(t[i]), y(v)); started = true; } else g.lineTo(x(t[i]), y(v));
    });
    g.stroke();
  }
}

async function loadHistory() {
  const range = $('history-range').value;
  $('history-csv').href = '/api/history.csv?range=' + range;
  if (!session.user) { $('history-msg').textContent = 'log in to see the history'; return; }
  const started = performance.now();
  const r = await api('GET', '/api/history?range=' + range);
  if (r.status !== 200) { $('history-msg').textContent = (r.body && r.body.error) || 'failed'; return; }
  const s = r.body.series;
  const from = { raw: 'every reading', '1m': 'minute rollups', '1h': 'hour rollups' }[r.body.resolution] || r.body.resolution;
  $('history-msg').textContent = s.t.length + ' points, ' + Math.round(r.body.bucket_ms / 1000) + ' s each, from ' +
    from + ', ' + Math.round(performance.now() - started) + ' ms';
  drawSeries($('h-power'), s.t, [
    { values: s.pv_w, color: '--pv' }, { values: s.import_w, color: '--bad' },
    { values: s.miners_w, color: '--miners' }, { values: s.absorbed_w, color: '--ok' }]);
  drawSeries($('h-hash'), s.t, [{ values: s.hashrate_ths, color: '--miners' }]);
  drawSeries($('h-price'), s.t, [{ values: s.price_import_per_kwh, color: '--grid' }, { values: s.revenue, color: '--pv' }]);
  await loadZoneHistory(range);
}

// Each heat zone's temperature, when the site has zones (their signals from the live status).
const zoneColors = ['--pv', '--grid', '--miners', '--ok', '--bad'];
async function loadZoneHistory(range) {
  const st = await api('GET', '/api/status?caps=0');
  const zones = (st.status === 200 && st.body.decision && st.body.decision.heat_zones) || [];
  const shown = zones.filter((z) => z.signal).slice(0, 8);
  const signals = shown.map((z) => z.signal);
  if (signals.length === 0) { $('h-heat-box').hidden = true; return; }
  const q = signals.map((s) => 'name=' + encodeURIComponent(s)).join('&');
  const r = await api('GET', '/api/history/signals?range=' + range + '&' + q);
  if (r.status !== 200) return;
  const s = r.body.series;
  $('h-heat-box').hidden = false;   // drawn visible: a hidden canvas has no size
  drawSeries($('h-heat'), s.t, signals.map((name, i) => ({ values: s[name], color: zoneColors[i % zoneColors.length] })), false);
  const legend = $('h-heat-legend');
  legend.replaceChildren();
  shown.forEach((z, i) => {
    const k = el('span', null, 'k');
    k.style.background = 'var(' + zoneColors[i % zoneColors.length] + ')';
    legend.append(k, z.id + ' (°C) ');
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('history-range').addEventListener('change', loadHistory);
  window.addEventListener('tab', (e) => { if (e.detail === 'history') loadHistory(); });
});
