'use strict';
// History charts: the journal downsampled in SQL (hour: raw 10 s, day: 5 min from the minute
// rollups, 30 days: 2 h from the hour rollups), drawn on canvases.
function drawSeries(canvas, t, series) {
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
  let lo = 0, hi = 1e-9;
  for (const s of series) for (const v of s.values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const t0 = t[0], t1 = Math.max(t[t.length - 1], t0 + 1);
  const pad = 16 * ratio;
  const x = (ts) => (ts - t0) / (t1 - t0) * (w - pad) + pad / 2;
  const y = (v) => h - pad - (v - lo) / (hi - lo) * (h - 2 * pad);
  g.strokeStyle = '#263040'; g.lineWidth = ratio;
  g.beginPath(); g.moveTo(0, y(0)); g.lineTo(w, y(0)); g.stroke();
  g.fillStyle = '#8b98a5'; g.font = (11 * ratio) + 'px sans-serif';
  g.fillText(hi >= 100 ? Math.round(hi) : hi.toPrecision(3), 2, 12 * ratio);
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
}

document.addEventListener('DOMContentLoaded', () => {
  $('history-range').addEventListener('change', loadHistory);
  window.addEventListener('tab', (e) => { if (e.detail === 'history') loadHistory(); });
});
