// Times the live page in Debian's chromium against build/bench/status_page serving MINERS
// miners: bytes a poll on the wire, the main thread's work a poll (Chrome's own task, script,
// layout and style counters over POLL_SECONDS), the longest task, the time to the first rows,
// and the time from a scroll to row 5,000 (or the middle of a smaller fleet) until that row is
// drawn. Over 200 miners the page as built must show the fleet's totals and draw at most 100
// rows, or it exits 1. With REV, the page's files come from that commit's web/assets/ (routed
// in by the browser); the server is the same.
//   node bench/status_render.mjs MINERS [REV]    (run by bench/status_render.sh)
import { createRequire } from 'node:module';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';

const require = createRequire(process.env.E2E_MODULES + '/');
const { chromium } = require('playwright-core');
const miners = Number(process.argv[2]);
const rev = process.argv[3] || '';
const POLL_SECONDS = Number(process.env.POLL_SECONDS || 20);
const SCROLL_ROW = Math.min(5000, Math.floor(miners / 2));
const label = rev ? 'page of ' + rev : 'page as built';

const server = spawn(process.env.STATUS_PAGE, ['--serve', String(miners)], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('status_page did not say its port in 60 s')), 60000);
  readline.createInterface({ input: server.stdout }).on('line', (line) => {
    const m = /^port (\d+)$/.exec(line);
    if (m) { clearTimeout(timer); resolve(Number(m[1])); }
  });
});
const dir = mkdtempSync(join(tmpdir(), 'hashsink-render-'));
const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
  bypassCSP: true,   // playwright's waitForFunction evaluates strings; the page's CSP forbids that
});
const finish = async (code) => {
  await context.close().catch(() => {});
  server.stdin.end();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(what + ': no answer in ' + ms / 1000 + ' s')), ms));

try {
  const page = context.pages()[0] || await context.newPage();
  if (rev) {
    await page.route(/\/[a-z]*\.(js|css|html)$|\/$/, (route) => {
      const name = new URL(route.request().url()).pathname.slice(1) || 'index.html';
      const body = execFileSync('git', ['-C', process.env.REPO, 'show', rev + ':web/assets/' + name]);
      const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'text/html';
      route.fulfill({ status: 200, contentType: type, body });
    });
  }
  // Tasks over 50 ms, as Chrome reports them to the page (PerformanceObserver, longtask).
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: true });
  });
  let polls = 0, bytes = 0, encoding = 'none';
  page.on('response', (r) => {
    if (!r.url().includes('/api/status')) return;
    polls += 1;
    bytes += Number(r.headers()['content-length'] || 0);
    encoding = r.headers()['content-encoding'] || 'none';
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));

  const t0 = Date.now();
  await page.goto('http://127.0.0.1:' + port + '/');
  await page.waitForFunction(() => {
    const row = document.querySelector('#miners tbody tr:not(.gap)');
    return row && /^rack/.test(row.cells[0].textContent);
  }, null, { timeout: 120000 });
  const firstRows = Date.now() - t0;
  const drawn = await page.evaluate(() => document.querySelectorAll('#miners tbody tr').length);
  // The page as built, over 200 miners: the fleet's totals above a table of the rows in view.
  if (!rev && miners > 200) {
    const offline = Math.ceil(miners / 10);
    const line = await page.locator('#miners-fleet').textContent();
    const expected = miners + ' miners · ' + (miners - offline) + ' online · ' + (miners - offline) + ' mining';
    if (!line.startsWith(expected)) throw new Error('fleet line "' + line + '", expected "' + expected + '…"');
    if (drawn > 100) throw new Error(drawn + ' rows drawn for a table that shows about 30');
  }

  await page.waitForTimeout(3000);   // settle: the first polls and layouts
  const m0 = await metrics();
  const p0 = polls, b0 = bytes, lt0 = await page.evaluate(() => window.longTasks.length);
  await page.waitForTimeout(POLL_SECONDS * 1000);
  const m1 = await metrics();
  const n = polls - p0;
  const longTasks = await page.evaluate((from) => window.longTasks.slice(from), lt0);
  const per = (key) => ((m1[key] - m0[key]) * 1000 / Math.max(n, 1)).toFixed(0);

  // Scroll to SCROLL_ROW: the table's own box when it has one (virtual), else the page.
  const target = 'rack' + Math.floor(SCROLL_ROW / 100) + '-s19-' + (SCROLL_ROW % 100);
  const s0 = Date.now();
  await page.evaluate(([id, index]) => {
    const wrap = document.getElementById('miners-wrap');
    if (wrap && wrap.classList.contains('virtual')) {
      const row = document.querySelector('#miners tbody tr:not(.gap)');
      wrap.scrollIntoView();
      wrap.scrollTop = index * row.getBoundingClientRect().height;
    } else {
      for (const tr of document.querySelectorAll('#miners tbody tr'))
        if (tr.cells[0].textContent === id) { tr.scrollIntoView(); break; }
    }
  }, [target, SCROLL_ROW]);
  await Promise.race([page.waitForFunction((id) => {
    for (const tr of document.querySelectorAll('#miners tbody tr')) {
      if (tr.cells[0].textContent !== id) continue;
      const r = tr.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }
    return false;
  }, target, { timeout: 30000 }), deadline(31000, 'scroll')]);
  const scrolled = Date.now() - s0;
  // SCREENSHOT=<file.png>: how the page looks after the scroll.
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });

  const load = execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  console.log(`${label}, ${miners} miners: ${n} polls in ${POLL_SECONDS} s, ${Math.round((bytes - b0) / Math.max(n, 1))} B a poll on the wire (encoding ${encoding}); ` +
    `main thread a poll ${per('TaskDuration')} ms (script ${per('ScriptDuration')}, layout ${per('LayoutDuration')}, ` +
    `style ${per('RecalcStyleDuration')}); tasks over 50 ms: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms; ` +
    `first rows after ${firstRows} ms (${drawn} rows in the table); row ${SCROLL_ROW} drawn ${scrolled} ms after the scroll; load ${load}`);
  await finish(0);
} catch (e) {
  console.log('FAIL (' + label + '): ' + e.message.split('\n')[0]);
  await finish(1);
}
