// The page end to end in Debian's chromium: first-run password with the setup code from the
// daemon's log, add a miner from the demo fleet by URL (Test, Add, Save), watch it mine, an error
// shown at its field, restore an older config, and screenshots at phone and desktop width checked
// for overflow.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import assert from 'node:assert/strict';

const require = createRequire(process.env.E2E_MODULES + '/');
const { chromium } = require('playwright-core');
const binary = process.env.HASHSINK_BINARY;
const out = process.env.E2E_OUT || tmpdir();
const dir = mkdtempSync(join(tmpdir(), 'hashsink-web-e2e-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

function step(text) { console.log('e2e: ' + text); }

const port = await freePort();
const demo = spawn(binary, ['demo', '--port', String(port), '--miners', '1', '--speed', '30',
  '--start', '11:30', '--db', join(dir, 'demo.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
let demoOut = '';
demo.stdout.on('data', (d) => { demoOut += d; });
demo.stderr.on('data', (d) => { demoOut += d; });
const cleanup = () => { try { demo.kill('SIGTERM'); } catch (e) { /* gone */ } };
process.on('exit', cleanup);

// The unconfigured demo miners, from the demo's banner.
const deadline = Date.now() + 20000;
while (!/not configured/.test(demoOut) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const spare = [...demoOut.matchAll(/miner (\S+) (http:\/\/\S+) \(not configured\)/g)].map((m) => m[2]);
assert.ok(spare.length >= 2, 'demo lists unconfigured miners:\n' + demoOut);

let context;
try {
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    bypassCSP: true,   // playwright's waitForFunction evaluates strings; the page's CSP forbids that
  });
} catch (e) {
  // chromium is one of the packages `make test` installs: not starting is a failure.
  console.log('FAIL: chromium cannot start: ' + e.message.split('\n')[0]);
  cleanup();
  process.exit(1);
}

let failed = false;
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  const base = 'http://127.0.0.1:' + port + '/';
  await page.goto(base);

  step('first run: a wrong setup code is refused at the form');
  await page.locator('#first-run').waitFor({ state: 'visible' });
  assert.match(await page.locator('#setup-code-hint').textContent(), /journalctl -u hashsink/);
  await page.fill('#setup-code', 'WRONG-CODE2');
  await page.fill('#setup-password', 'installer-pass-1');
  await page.click('#setup-form button[type=submit]');
  await page.waitForFunction(() => /setup_code/.test(document.getElementById('setup-msg').textContent));
  assert.ok(await page.locator('#first-run').isVisible());

  step('first run: the setup code from the daemon\'s log sets the admin password');
  const codes = [...demoOut.matchAll(/setup code: (\S+) /g)].map((m) => m[1]);
  assert.ok(codes.length >= 1, 'the demo prints a setup code:\n' + demoOut);
  assert.ok(!(await page.content()).includes(codes[codes.length - 1]), 'the page never holds the code');
  await page.fill('#setup-code', codes[codes.length - 1].toLowerCase());
  await page.click('#setup-form button[type=submit]');
  await page.locator('#config-form').waitFor({ state: 'visible' });
  await page.locator('#first-run').waitFor({ state: 'hidden' });
  await page.locator('#miners-list .item').first().waitFor();
  assert.equal(await page.locator('#miners-list .item').count(), 1);

  step('add a demo miner by URL: Test, Add, Save');
  await page.fill('#add-url', spare[0]);
  await page.selectOption('#add-driver', 'axeos');
  await page.click('#add-test');
  await page.waitForFunction(() => /^ok:/.test(document.getElementById('add-msg').textContent));
  await page.click('#add-miner');
  assert.equal(await page.locator('#miners-list .item').count(), 2);
  await page.click('#save-btn');
  await page.waitForFunction(() => /Saved and applied/.test(document.getElementById('save-msg').textContent));
  await page.locator('#versions button').first().waitFor();   // the form was reloaded
  const newId = await page.locator('#miners-list .item').nth(1).locator('b').first().textContent();

  step('an error is shown at its field, and nothing is saved');
  await page.fill('[name="site.max_draw_w"]', '-5');
  await page.click('#save-btn');
  await page.locator('.field.has-error[data-path="site.max_draw_w"] .err').waitFor();
  assert.match(await page.locator('.field[data-path="site.max_draw_w"] .err').textContent(), /out of range/);
  const versions = await page.locator('#versions button').count();
  assert.equal(versions, 1, 'only the first save made a version');
  await page.fill('[name="site.max_draw_w"]', '650');

  step('watch it mine (' + newId + ')');
  await page.click('[data-tab=live]');
  await page.waitForFunction((id) => {
    for (const tr of document.querySelectorAll('#miners tbody tr'))
      if (tr.cells[0].textContent === id && tr.cells[1].textContent === 'mining') return true;
    return false;
  }, newId, { timeout: 90000 });

  step('events arrive live');
  await page.waitForFunction(() => /config\.applied/.test(document.getElementById('events').textContent));

  step('add an MQTT sensor and a Modbus RTU profile source through the forms');
  // The tab reloads the form from the server; its last request is the versions list.
  const reloaded = page.waitForResponse((r) => r.url().includes('/api/config/versions'));
  await page.click('[data-tab=setup]');
  await reloaded;
  await page.locator('#sources-list .item').first().waitFor();
  const sourcesBefore = await page.locator('#sources-list .item').count();
  const mqtt = 'sources[' + sourcesBefore + ']';
  const rtu = 'sources[' + (sourcesBefore + 1) + ']';
  await page.selectOption('#add-source-type', 'mqtt_sensor');
  await page.click('#add-source');
  await page.selectOption('#add-source-type', 'modbus');
  await page.click('#add-source');
  assert.equal(await page.locator('#sources-list .item').count(), sourcesBefore + 2);
  await page.fill(`[name="${mqtt}.id"]`, 'meter_mqtt');
  await page.fill(`[name="${mqtt}.topic"]`, 'home/+/power');          // a wildcard: refused
  await page.fill(`[name="${mqtt}.json_pointer"]`, '/power/total');
  await page.fill(`[name="${mqtt}.signal"]`, 'house.load_w');
  await page.fill(`[name="${mqtt}.broker"]`, 'tcp://127.0.0.1:1');
  await page.fill(`[name="${rtu}.id"]`, 'genset_rtu');
  await page.fill(`[name="${rtu}.profile"]`, 'dse_gencomm');
  await page.fill(`[name="${rtu}.device"]`, join(dir, 'ttyUSB-absent'));
  await page.fill(`[name="${rtu}.baud"]`, '2000000');                  // above 1000000: refused
  await page.selectOption(`[name="${rtu}.parity"]`, 'E');
  await page.fill(`[name="${rtu}.unit"]`, '5');
  await page.click('#save-btn');
  await page.locator(`.field.has-error[data-path="${mqtt}.topic"] .err`).waitFor();
  assert.match(await page.locator(`.field[data-path="${mqtt}.topic"] .err`).textContent(), /wildcard/);
  await page.locator(`.field.has-error[data-path="${rtu}.baud"] .err`).waitFor();
  assert.match(await page.locator(`.field[data-path="${rtu}.baud"] .err`).textContent(), /out of range/);
  assert.equal(await page.locator('#versions button').count(), 1, 'nothing saved with errors');

  step('fix both fields, save, and find the sources in the saved config');
  await page.fill(`[name="${mqtt}.topic"]`, 'home/meter/power');
  await page.fill(`[name="${rtu}.baud"]`, '19200');
  await page.click('#save-btn');
  await page.waitForFunction(() => /Saved and applied/.test(document.getElementById('save-msg').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#versions button').length === 2);
  assert.equal(await page.locator('#sources-list .item').count(), sourcesBefore + 2);
  assert.equal(await page.inputValue(`[name="${mqtt}.topic"]`), 'home/meter/power');
  assert.equal(await page.inputValue(`[name="${rtu}.baud"]`), '19200');
  const saved = await page.evaluate(async () => (await fetch('/api/config')).json());
  const byId = Object.fromEntries(saved.config.sources.map((x) => [x.id, x]));
  assert.deepEqual([byId.meter_mqtt.type, byId.meter_mqtt.topic, byId.meter_mqtt.json_pointer, byId.meter_mqtt.signal],
    ['mqtt_sensor', 'home/meter/power', '/power/total', 'house.load_w']);
  assert.deepEqual([byId.genset_rtu.type, byId.genset_rtu.profile, byId.genset_rtu.baud, byId.genset_rtu.parity, byId.genset_rtu.unit],
    ['modbus', 'dse_gencomm', 19200, 'E', 5]);
  // The file on disk: the sources are there, and the demo's comments and key order survived.
  const file = readFileSync(saved.path, 'utf8');
  assert.match(file, /\[\[sources\]\]\nid = "meter_mqtt"\ntype = "mqtt_sensor"\n/);
  assert.match(file, /topic = "home\/meter\/power"/);
  assert.match(file, /baud = 19200/);
  assert.ok(file.startsWith('# hashsink demo'), 'comments kept:\n' + file);
  assert.ok(file.indexOf('period') < file.indexOf('max_draw_w'), 'key order kept:\n' + file);
  assert.match(saved.note, /edited in place/);

  step('restore the older config');
  await page.click('[data-tab=setup]');
  await page.locator('#versions button').first().waitFor();
  await page.locator('#versions button').last().click();
  await page.waitForFunction(() => /Restored/.test(document.getElementById('save-msg').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#miners-list .item').length === 1);
  await page.click('[data-tab=live]');
  await page.waitForFunction(() => document.querySelectorAll('#miners tbody tr').length === 1);

  step('history renders');
  await page.click('[data-tab=history]');
  await page.waitForFunction(() => /points/.test(document.getElementById('history-msg').textContent));

  step('heat zones: switch to heat_demand, add a zone through its sub-form, an error at its field, save');
  const zonesReloaded = page.waitForResponse((r) => r.url().includes('/api/config/versions'));
  await page.click('[data-tab=setup]');
  await zonesReloaded;
  const minerId = await page.locator('#miners-list .item').first().locator('b').first().textContent();
  await page.selectOption('[name="policy.use"]', 'heat_demand');
  const zones = 'policy.heat_demand.zones';
  await page.click(`[data-add="${zones}"]`);
  assert.equal(await page.locator(`.table-list[data-path="${zones}"] .item`).count(), 1);
  await page.fill(`[name="${zones}[0].id"]`, 'living');
  await page.fill(`[name="${zones}[0].miners"]`, minerId);
  await page.fill(`[name="${zones}[0].temperature"]`, 'living.temp_c');
  await page.fill(`[name="${zones}[0].max_power_w"]`, '300');
  await page.fill(`[name="${zones}[0].comfort_c"]`, '99');              // above 80: refused
  await page.click('#save-btn');
  await page.locator(`.field.has-error[data-path="${zones}[0].comfort_c"] .err`).waitFor();
  assert.match(await page.locator(`.field[data-path="${zones}[0].comfort_c"] .err`).textContent(), /out of range/);
  await page.fill(`[name="${zones}[0].comfort_c"]`, '20.5');
  await page.click('#save-btn');
  await page.waitForFunction(() => /Saved and applied/.test(document.getElementById('save-msg').textContent));
  await page.locator(`[name="${zones}[0].comfort_c"]`).waitFor();   // the form was reloaded
  assert.equal(await page.inputValue(`[name="${zones}[0].comfort_c"]`), '20.5');
  const heat = await page.evaluate(async () => (await fetch('/api/config')).json());
  assert.deepEqual(heat.config.policy.heat_demand.zones,
    [{ id: 'living', miners: [minerId], temperature: 'living.temp_c', max_power_w: 300, comfort_c: 20.5 }]);
  assert.match(readFileSync(heat.path, 'utf8'), /\[\[policy\.heat_demand\.zones\]\]\nid = "living"\n/);
  // Applied live: the zone's card, in its safe state (no living.temp_c signal yet).
  await page.click('[data-tab=live]');
  const zoneCard = page.locator('#zones .card[data-zone="living"]');
  await zoneCard.waitFor({ timeout: 15000 });
  assert.match(await zoneCard.textContent(), /Heat · living.*sensor stale: safe state/);
  // The history has a chart of the zones' temperatures (empty: living.temp_c has no readings).
  await page.click('[data-tab=history]');
  await page.waitForFunction(() => /living/.test(document.getElementById('h-heat-legend').textContent),
    null, { timeout: 15000 });
  assert.ok(await page.locator('#h-heat').isVisible());

  for (const [name, vp] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]]) {
    step('screenshot at ' + name + ' width');
    await page.setViewportSize(vp);
    await page.click('[data-tab=live]');
    await page.waitForTimeout(1500);
    for (const sel of ['#badge', '.flows', '#miners', '#tabs'])
      assert.ok(await page.locator(sel).first().isVisible(), sel + ' visible at ' + name);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, 'no horizontal overflow at ' + name + ' (' + overflow + ' px)');
    for (const row of await page.locator('.flows:visible').all()) {   // the power flows and heat zones
      const box = await row.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= vp.width + 1, '.flows inside the viewport at ' + name);
    }
    await page.screenshot({ path: join(out, 'web-' + name + '.png'), fullPage: true });
    await page.click('[data-tab=setup]');
    const setupOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(setupOverflow <= 1, 'set-up: no horizontal overflow at ' + name + ' (' + setupOverflow + ' px)');
    await page.screenshot({ path: join(out, 'web-setup-' + name + '.png'), fullPage: true });
  }
  step('passed; screenshots in ' + out);
} catch (e) {
  failed = true;
  console.error('e2e: FAILED: ' + (e.stack || e));
  console.error('daemon output (tail):\n' + demoOut.split('\n').slice(-40).join('\n'));
  try { await context.pages()[0].screenshot({ path: join(out, 'web-failure.png'), fullPage: true }); } catch (x) { /* none */ }
} finally {
  await context.close();
  cleanup();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
