#!/usr/bin/env python3
"""A Sparkplug B 3.0 primary host application for sparkplug_it: decodes the edge node's
messages with its own code generated from daemon/app/sparkplug/sparkplug_b.proto, checks seq on
every message and bdSeq on births and deaths, asks for a rebirth, writes (a miner's override,
the site limit, a refused limit), goes offline for --gap seconds and checks that what happened
meanwhile arrives afterwards as historical data, then takes the node's client id over so its
NDEATH fires, and sees it come back with the next bdSeq. Exits 0 when every check held."""
import argparse
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--generated", required=True)  # the build's generated/sparkplug
ap.add_argument("--group", required=True)
ap.add_argument("--node", required=True)
ap.add_argument("--host-id", required=True)
ap.add_argument("--node-client-id", required=True)
ap.add_argument("--miner", required=True)
ap.add_argument("--gap", type=float, default=60)
ap.add_argument("--interval", type=float, default=0.5)
args = ap.parse_args()
sys.path.insert(0, args.generated)
import sparkplug_b_pb2 as spb  # noqa: E402

PREFIX = "spBv1.0/%s/" % args.group
STATE_TOPIC = "spBv1.0/STATE/" + args.host_id
lock = threading.Condition()
log = []  # (received at, type, device, payload)
problems = []
seq = {"next": None, "wraps": 0, "count": 0}


def now_ms():
    return int(time.time() * 1000)


def check(ok, what):
    if not ok:
        problems.append(what)
        print("FAIL: " + what, flush=True)
    return ok


def on_message(client, userdata, msg):
    parts = msg.topic.split("/")
    if len(parts) < 4 or parts[3] != args.node:
        return
    kind = parts[2]
    if kind in ("NCMD", "DCMD"):
        return
    device = parts[4] if len(parts) > 4 else ""
    p = spb.Payload()
    p.ParseFromString(msg.payload)
    with lock:
        if kind == "NDEATH":
            check(not p.HasField("seq"), "NDEATH carries a seq")
        else:
            check(p.HasField("seq"), kind + " without seq")
            if kind == "NBIRTH":
                check(p.seq == 0, "NBIRTH seq %d, not 0" % p.seq)
            elif seq["next"] is not None:
                check(p.seq == seq["next"], "%s seq %d, expected %d" % (kind, p.seq, seq["next"]))
            if seq["next"] == 0 and kind != "NBIRTH":
                seq["wraps"] += 1
            seq["next"] = (p.seq + 1) % 256
            seq["count"] += 1
        log.append((time.time(), kind, device, p))
        lock.notify_all()


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    with lock:
        while True:
            for entry in log:
                if pred(entry):
                    return entry
            left = deadline - time.time()
            if left <= 0:
                check(False, "timed out waiting for " + what)
                finish()
            lock.wait(left)


def finish():
    print(json.dumps({"problems": problems, "messages": seq["count"], "wraps": seq["wraps"]}),
          flush=True)
    sys.exit(1 if problems else 0)


def metric(p, name):
    for m in p.metrics:
        if m.name == name:
            return m
    return None


def bdseq(p):
    m = metric(p, "bdSeq")
    return m.long_value if m is not None else None


def state(client, online):
    client.publish(STATE_TOPIC, json.dumps({"online": online, "timestamp": now_ms()}), 1, True)


def command(client, kind, device, name=None, alias=None, **value):
    p = spb.Payload()
    p.timestamp = now_ms()
    m = p.metrics.add()
    if name is not None:
        m.name = name
    if alias is not None:
        m.alias = alias
    for k, v in value.items():
        setattr(m, k, v)
    topic = PREFIX + kind + "/" + args.node + ("/" + device if device else "")
    client.publish(topic, p.SerializeToString(), 0, False)


host = mqtt.Client(client_id="it-scada-host", clean_session=True)
host.will_set(STATE_TOPIC, json.dumps({"online": False, "timestamp": now_ms()}), 1, True)
host.on_message = on_message
host.connect("127.0.0.1", args.port)
host.subscribe(PREFIX + "#", 1)
host.loop_start()
time.sleep(0.5)
start = time.time()
state(host, True)

# Births, with every metric named, aliased and typed.
birth = wait_for(lambda e: e[1] == "NBIRTH", 30, "NBIRTH")[3]
bd = bdseq(birth)
check(bd is not None, "NBIRTH without bdSeq")
names = {m.name for m in birth.metrics}
for n in ("Node Control/Rebirth", "Site/Grid Power W", "Fleet/Draw W", "Policy/Budget W",
          "Policy/Name", "Site/State", "Alarms/Fail Safe", "Control/Site Limit W"):
    check(n in names, "NBIRTH lacks " + n)
check(all(m.HasField("alias") and m.HasField("datatype") for m in birth.metrics),
      "a birth metric without alias or datatype")
dbirth = wait_for(lambda e: e[1] == "DBIRTH" and e[2] == args.miner, 30, "DBIRTH")[3]
alias = {m.name: m.alias for m in dbirth.metrics}
node_alias = {m.name: m.alias for m in birth.metrics}

# Rebirth on request: NBIRTH again, same bdSeq, the miner's DBIRTH again.
t = time.time()
command(host, "NCMD", None, name="Node Control/Rebirth", datatype=11, boolean_value=True)
again = wait_for(lambda e: e[0] > t and e[1] == "NBIRTH", 15, "NBIRTH after Rebirth")[3]
check(bdseq(again) == bd, "rebirth changed bdSeq %s -> %s" % (bd, bdseq(again)))
wait_for(lambda e: e[0] > t and e[1] == "DBIRTH" and e[2] == args.miner, 15, "DBIRTH after Rebirth")


def ddata_has(alias_, value):
    def pred(e):
        if e[1] != "DDATA" or e[2] != args.miner:
            return False
        return any(m.alias == alias_ and m.string_value == value for m in e[3].metrics)
    return pred


def ndata_double(alias_, value):
    def pred(e):
        return e[1] == "NDATA" and any(m.alias == alias_ and m.double_value == value
                                       for m in e[3].metrics)
    return pred


# Writes: a miner's override by alias; the site limit by name; a negative limit is refused.
command(host, "DCMD", args.miner, alias=alias["Control/Override"], datatype=12,
        string_value="off")
wait_for(ddata_has(alias["Control/Override"], "off"), 15, "the override in DDATA")
command(host, "NCMD", None, name="Control/Site Limit W", datatype=10, double_value=400.0)
wait_for(ndata_double(node_alias["Control/Site Limit W"], 400.0), 15, "the site limit in NDATA")
command(host, "NCMD", None, name="Control/Site Limit W", datatype=10, double_value=-5.0)

# The primary host goes away for the gap: nothing live is sent; afterwards births, then what
# happened meanwhile, flagged historical.
time.sleep(2 * args.interval)
state(host, False)
t_off = time.time()
time.sleep(args.gap)
with lock:
    live = [e for e in log if e[0] > t_off + 1 and e[1] in ("NDATA", "DDATA", "NBIRTH")]
check(not live, "%d messages published while the host was offline" % len(live))
t_on = time.time()
state(host, True)
wait_for(lambda e: e[0] > t_on and e[1] == "NBIRTH", 15, "NBIRTH after the host returned")
solar = node_alias["Site/Solar Power W"]
deadline = time.time() + 20
stamps = []
while time.time() < deadline:
    with lock:
        hist = [e for e in log if e[0] > t_on and e[1] == "NDATA"
                and any(m.is_historical for m in e[3].metrics)]
        live_after = [e for e in log if e[0] > t_on and e[1] == "NDATA"
                      and not any(m.is_historical for m in e[3].metrics)]
    if hist and live_after:
        break
    time.sleep(0.5)
for e in hist:
    for m in e[3].metrics:
        check(m.is_historical, "a stored metric without is_historical")
        if m.alias == solar:
            stamps.append(m.timestamp / 1000.0)
stamps.sort()
check(len(stamps) >= int(args.gap * 0.4),
      "only %d historical solar values for a %.0f s gap" % (len(stamps), args.gap))
if stamps:
    edges = [t_off + 2] + stamps + [t_on - 2]
    worst = max(b - a for a, b in zip(edges, edges[1:]))
    check(worst <= 2 * args.interval + 1.0, "a hole of %.1f s in the historical data" % worst)
    check(stamps[0] >= t_off - 2 * args.interval - 1 and stamps[-1] <= t_on + 1,
          "historical timestamps outside the gap")

# seq wraps from 255 to 0 within a session: the forwarded data took it most of the way.
deadline = time.time() + 30
while seq["wraps"] == 0 and time.time() < deadline:
    time.sleep(0.5)

# Takeover: a client with the node's id pushes it off; the broker sends its will, NDEATH with
# the birth's bdSeq; the node comes back with the next one.
with lock:
    current_bd = bdseq([e for e in log if e[1] == "NBIRTH"][-1][3])
t = time.time()
kicker = mqtt.Client(client_id=args.node_client_id, clean_session=True)
kicker.connect("127.0.0.1", args.port)
kicker.loop_start()
time.sleep(0.3)
kicker.disconnect()
kicker.loop_stop()
death = wait_for(lambda e: e[0] > t and e[1] == "NDEATH", 15, "NDEATH")[3]
check(bdseq(death) == current_bd, "NDEATH bdSeq %s, NBIRTH's %s" % (bdseq(death), current_bd))
reborn = wait_for(lambda e: e[0] > t and e[1] == "NBIRTH", 20, "NBIRTH after the takeover")[3]
check(bdseq(reborn) == (current_bd + 1) % 256,
      "bdSeq after reconnect %s, expected %s" % (bdseq(reborn), (current_bd + 1) % 256))
check(seq["wraps"] >= 1, "seq never wrapped from 255 to 0 (%d messages)" % seq["count"])
host.loop_stop()
finish()
