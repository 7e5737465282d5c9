// The fleet page of `hashsink fleet`: /api/fleet every 2 s, and the demand-response form.
'use strict';
const $ = (id) => document.getElementById(id);
const kw = (w) => (w / 1000).toFixed(1) + ' kW';

function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
}

function render(f) {
    $('badge').textContent = 'live';
    $('badge').className = 'badge ok';
    $('clock').textContent = f.time;
    $('sites').textContent = f.sites.length;
    const alarmed = f.sites.filter((s) => s.alarms.length > 0).length;
    $('sites-sub').textContent = alarmed ? alarmed + ' with alarms' : 'no alarms';
    $('draw').textContent = kw(f.measured_w);
    $('planned').textContent = 'planned ' + kw(f.planned_w);
    if (f.command) {
        $('command').textContent = f.command.clear ? 'cleared' : 'curtail';
        $('command-sub').textContent = f.command.id + ': ' + f.command.acknowledged + '/' +
            f.sites.length + ' acknowledged' +
            (f.command.until ? ', until ' + f.command.until : '');
    }
    const rows = $('rows');
    rows.replaceChildren();
    for (const s of f.sites) {
        const tr = document.createElement('tr');
        tr.append(
            cell(s.id), cell(s.state), cell(kw(s.measured_w)),
            cell(s.site_limit_w === null ? 'none' : kw(s.site_limit_w)),
            cell(s.miners_online + '/' + s.miners),
            cell(s.alarms.join(', ') || 'none', s.alarms.length ? 'bad' : ''),
            cell(s.ack ? (s.ack.ok ? 'yes' : 'refused: ' + (s.ack.error || '')) : '–'),
            cell(Math.round(s.age_s) + ' s', s.stale ? 'bad' : ''));
        rows.append(tr);
    }
}

async function refresh() {
    try {
        const r = await fetch('/api/fleet');
        render(await r.json());
    } catch (e) {
        $('badge').textContent = 'no answer';
        $('badge').className = 'badge bad';
    }
}

async function send(body) {
    const headers = {'Content-Type': 'application/json'};
    if ($('token').value) headers.Authorization = 'Bearer ' + $('token').value;
    const r =
        await fetch('/api/fleet/command', {method: 'POST', headers, body: JSON.stringify(body)});
    const j = await r.json();
    $('form-result').textContent = r.ok ? 'sent ' + j.id : 'refused: ' + j.error;
    refresh();
}

$('curtail-form').addEventListener('submit', (e) => {
    e.preventDefault();
    send({curtail_kw: Number($('curtail-kw').value), minutes: Number($('curtail-minutes').value)});
});
$('clear').addEventListener('click', () => send({clear: true}));
refresh();
setInterval(refresh, 2000);
