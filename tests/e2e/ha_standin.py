#!/usr/bin/python3
"""Home Assistant's side of MQTT discovery, for the end-to-end test (tests/e2e/home_assistant_e2e_it.cpp).

It reads every discovery config a node announces and checks it as Home Assistant's MQTT
integration would (required keys per component, units against device classes, state classes,
topics that exist, value templates that find their keys), and drives the controls.

Phases (one per run; the test restarts the broker or the daemon between them):
  check       validate every config, command round trips, a bad command, the birth message
  reannounce  the configs come back after a broker restart lost them
  removed     a miner no longer configured has no config left; the others keep theirs
Exit 0 when the phase passes; otherwise a message on stderr says what failed.
"""
import argparse
import json
import re
import sys
import threading
import time

import paho.mqtt.client as mqtt

COMPONENTS = {"sensor", "binary_sensor", "switch", "number", "select", "button"}
UNITS = {
    "power": {"W", "kW"},
    "energy": {"Wh", "kWh", "MWh"},
    "temperature": {"°C", "°F", "K"},
}
STATE_CLASSES = {"measurement", "total", "total_increasing"}
BINARY_CLASSES = {"connectivity", "heat", "problem", "running", "power"}
REQUIRED = {
    "sensor": ["state_topic"],
    "binary_sensor": ["state_topic"],
    "switch": ["command_topic"],
    "number": ["command_topic"],
    "select": ["command_topic", "options"],
    "button": ["command_topic"],
}
TOPIC = re.compile(r"^(?P<dp>[^/]+)/(?P<component>[^/]+)/(?P<node>[^/]+)/(?P<object>[^/]+)/config$")


class Broker:
    """One connection that remembers the latest payload of every topic it sees."""

    def __init__(self, port, filters):
        self.latest = {}
        self.seen = []  # (time, topic, payload) in order of arrival
        self.lock = threading.Lock()
        self.client = mqtt.Client(client_id="ha-standin-%d" % time.time_ns(), clean_session=True)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        for f in filters:
            self.client.subscribe(f, qos=1)
        self.client.loop_start()

    def _on_message(self, _client, _userdata, msg):
        payload = msg.payload.decode("utf-8", errors="replace")
        with self.lock:
            self.latest[msg.topic] = payload
            self.seen.append((time.monotonic(), msg.topic, payload))

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish()

    def snapshot(self):
        with self.lock:
            return dict(self.latest)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def fail(message):
    sys.stderr.write("FAIL: " + message + "\n")
    sys.exit(1)


def wait_until(what, predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    fail("timed out after %.0f s waiting for %s" % (limit, what))


def configs(latest, args):
    """{topic: parsed config} of this node, empty (removed) ones left out."""
    out = {}
    for topic, payload in latest.items():
        m = TOPIC.match(topic)
        if not m or m["dp"] != args.discovery_prefix or m["node"] != args.node_id or not payload:
            continue
        try:
            out[topic] = json.loads(payload)
        except ValueError:
            fail("%s: config is not JSON: %r" % (topic, payload[:200]))
    return out


def render(template, state):
    """The value templates hashsink emits, evaluated as Jinja would (a small subset)."""
    m = re.fullmatch(r"\{\{ 'ON' if value_json\.(\w+) else 'OFF' \}\}", template)
    if m:
        if m[1] not in state:
            raise KeyError(m[1])
        return "ON" if state[m[1]] else "OFF"
    m = re.fullmatch(r"\{\{ value_json\.([\w.]+)(\[:(\d+)\])? \}\}", template)
    if not m:
        raise ValueError("template not understood: " + template)
    value = state
    for key in m[1].split("."):
        value = value[key]
    if m[3]:
        value = value[: int(m[3])]
    return "None" if value is None else str(value)


def check_config(topic, c, latest, args, unique_ids):
    component = TOPIC.match(topic)["component"]
    where = topic + ": "
    if component not in COMPONENTS:
        fail(where + "unknown component " + component)
    for key in ["name", "unique_id", "device"] + REQUIRED[component]:
        if key not in c:
            fail(where + "missing " + key)
    if c["unique_id"] in unique_ids:
        fail(where + "unique_id %s used twice" % c["unique_id"])
    unique_ids.add(c["unique_id"])
    if not c["device"].get("identifiers"):
        fail(where + "device without identifiers")
    if latest.get(c.get("availability_topic")) != "online":
        fail(where + "availability topic %s does not say online" % c.get("availability_topic"))
    dc, unit, sc = c.get("device_class"), c.get("unit_of_measurement"), c.get("state_class")
    if component == "sensor":
        if sc is not None and sc not in STATE_CLASSES:
            fail(where + "state_class " + sc)
        if dc in UNITS and unit not in UNITS[dc]:
            fail(where + "unit %s does not suit device_class %s" % (unit, dc))
        if dc == "energy" and sc not in ("total", "total_increasing"):
            fail(where + "an energy sensor needs state_class total or total_increasing")
        if dc == "monetary" and (sc != "total" or not re.fullmatch(r"[A-Z]{3}", unit or "")):
            fail(where + "a monetary sensor needs state_class total and a currency unit")
        if dc == "enum" and (unit or sc or not c.get("options")):
            fail(where + "an enum sensor has options and no unit or state_class")
    if component == "binary_sensor" and dc not in BINARY_CLASSES:
        fail(where + "binary_sensor device_class %s" % dc)
    if component == "number" and not (c["min"] < c["max"] and c["step"] > 0):
        fail(where + "number range")
    if component == "select" and not all(isinstance(o, str) for o in c["options"]):
        fail(where + "select options")
    if "command_topic" in c:
        ct = c["command_topic"]
        if not (ct.startswith(args.prefix + "/") and ct.endswith("/set")):
            fail(where + "command_topic %s is not a <prefix>/.../set topic" % ct)
    if "state_topic" in c:
        payload = latest.get(c["state_topic"])
        if not payload:
            fail(where + "state_topic %s has no message" % c["state_topic"])
        for key in ("value_template", "last_reset_value_template"):
            if key in c:
                try:
                    render(c[key], json.loads(payload))
                except (KeyError, TypeError, ValueError) as e:
                    fail(where + "%s %s on %s: %r" % (key, c[key], c["state_topic"], e))


def expected_objects(args):
    miners = [m for m in args.miners.split(",") if m]
    per_miner = ["state", "power", "hashrate", "chip_temperature", "efficiency", "online",
                 "enabled", "max_power", "override", "override_clear", "override_duration"]
    site = ["site_solar_power", "site_grid_power", "site_miners_power", "site_budget",
            "site_policy", "site_state", "site_reason", "site_miners_energy",
            "site_surplus_absorbed", "site_grid_import", "site_hash_revenue", "site_override",
            "site_override_clear"]
    return set(site + ["%s_%s" % (m, e) for m in miners for e in per_miner])


def objects_of(found):
    return {TOPIC.match(t)["object"] for t in found}


def miner_state(broker, args, miner):
    payload = broker.snapshot().get("%s/miner/%s" % (args.prefix, miner))
    return json.loads(payload) if payload else {}


def command(broker, args, miner, what, payload, until, limit=20):
    broker.publish("%s/miner/%s/%s/set" % (args.prefix, miner, what), payload)
    wait_until("%s %s=%s to show in its state" % (miner, what, payload),
               lambda: until(miner_state(broker, args, miner)), limit)


def every_config(b, args, what, limit):
    """Every expected config, once the state topics they read hold a message too."""
    expected = expected_objects(args)

    def ready():
        latest = b.snapshot()
        found = configs(latest, args)
        states = {c["state_topic"] for c in found.values() if "state_topic" in c}
        if expected <= objects_of(found) and all(latest.get(t) for t in states):
            return found
        return None
    return wait_until(what, ready, limit)


def phase_check(args):
    expected = expected_objects(args)
    b = Broker(args.port, [args.discovery_prefix + "/#", args.prefix + "/#", args.status_topic])
    found = every_config(b, args, "every config", 30)
    latest = b.snapshot()
    unique_ids = set()
    for topic, c in found.items():
        check_config(topic, c, latest, args, unique_ids)
    print("configs: %d checked" % len(found))

    m = args.miners.split(",")[0]
    command(b, args, m, "override", "off", lambda s: s.get("override") == "off" and not s.get("run"))
    command(b, args, m, "override", "auto", lambda s: s.get("override") == "auto")
    command(b, args, m, "override", '{"mode": "max", "minutes": 5}',
            lambda s: s.get("override") == "max" and s.get("override_until"))
    command(b, args, m, "override", "auto", lambda s: s.get("override") == "auto")
    command(b, args, m, "max_power_w", "12", lambda s: s.get("max_power_w") == 12)
    command(b, args, m, "max_power_w", "0", lambda s: s.get("max_power_w") == 0)
    command(b, args, m, "override_duration", "15", lambda s: s.get("override_minutes") == 15)
    command(b, args, m, "enabled", "OFF", lambda s: s.get("enabled") is False and not s.get("run"))
    command(b, args, m, "enabled", "ON", lambda s: s.get("enabled") is True)
    print("commands: round trips through the loop")

    for topic, payload, needle in [
            ("%s/miner/%s/override/set" % (args.prefix, m), "sideways", "mode"),
            ("%s/miner/nope/enabled/set" % args.prefix, "ON", "no miner nope"),
            ("%s/miner/%s/max_power_w/set" % (args.prefix, m), "-5", "max_power_w")]:
        start = time.monotonic()
        b.publish(topic, payload)

        def answered():
            with b.lock:
                for at, t, p in b.seen:
                    if at >= start and t == args.prefix + "/error":
                        e = json.loads(p)
                        if e.get("topic") == topic and needle in e.get("error", ""):
                            return e
            return None
        print("refused: %s" % json.dumps(wait_until("an error for " + topic, answered, 10)))

    start = time.monotonic()
    b.publish(args.discovery_prefix + "/status", "online")

    def announced_again():
        with b.lock:
            again = {t for at, t, p in b.seen if at >= start and p and TOPIC.match(t)}
        return expected <= objects_of(again)
    wait_until("every config again after Home Assistant's birth message", announced_again, 20)
    print("birth: every config announced again")
    b.close()


def phase_reannounce(args):
    b = Broker(args.port, [args.discovery_prefix + "/#", args.prefix + "/#", args.status_topic])
    found = every_config(b, args, "every config after the broker restart", 40)
    unique_ids = set()
    latest = b.snapshot()
    for topic, c in found.items():
        check_config(topic, c, latest, args, unique_ids)
    print("reannounce: %d configs back after the broker restart" % len(found))
    b.close()


def phase_removed(args):
    gone = args.gone

    def settled():
        b = Broker(args.port, [args.discovery_prefix + "/#"])
        time.sleep(1.5)  # the broker hands over every retained config at subscription
        objects = objects_of(configs(b.snapshot(), args))
        b.close()
        left = [o for o in objects if o.startswith(gone + "_")]
        return objects if not left and expected_objects(args) <= objects else None
    objects = wait_until("no config left for " + gone, settled, 40)
    print("removed: %s has no config; %d configs remain" % (gone, len(objects)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("phase", choices=["check", "reannounce", "removed"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--node-id", required=True)
    p.add_argument("--discovery-prefix", default="homeassistant")
    p.add_argument("--status-topic", default="hashsink/status")
    p.add_argument("--miners", required=True, help="the configured miners, comma-separated")
    p.add_argument("--gone", help="removed: the miner taken out of the config")
    args = p.parse_args()
    {"check": phase_check, "reannounce": phase_reannounce, "removed": phase_removed}[args.phase](args)


if __name__ == "__main__":
    main()
