#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from tests/fixtures, the shipped
profiles and examples, and a few hand-written inputs. Run from the repository root."""
import glob
import hashlib
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(ROOT, "fuzz", "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def files(pattern):
    for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
        if os.path.isfile(path) and not path.endswith(".md") and os.path.getsize(path) <= 16384:
            with open(path, "rb") as f:
                yield f.read()


def regs(*words):
    return struct.pack(">%dH" % len(words), *words)


def sunspec():
    # A model: ID, L, then L registers (a ramp, so every point has a value).
    for model_id, length in [(1, 66), (101, 50), (103, 50), (111, 60), (120, 26), (124, 24),
                             (160, 48), (201, 105), (203, 105), (802, 62), (1, 65), (103, 10)]:
        put("sunspec", regs(model_id, length, *[(i * 37) & 0xFFFF for i in range(length)]))
    put("sunspec", regs(103, 50, *([0x8000] * 50)))   # every point "not implemented"


# The recorded replies each miner target starts from.
FIXTURES = {
    "cgminer_json": ["cgminer-avalon/*", "cgminer-bmminer/*", "antminer-stock/s21_*"],
    "axeos": ["esp-miner/*"],
    "braiins": ["braiins/*"],
    "luxos": ["luxos/*"],
    "vnish": ["vnish/*"],
    "antminer": ["antminer-stock/*"],
    "whatsminer_v2": ["whatsminer/v2_*"],
    "whatsminer_v3": ["whatsminer/v3_*"],
}


def miners():
    for target, patterns in FIXTURES.items():
        for pattern in patterns:
            for data in files("tests/fixtures/" + pattern):
                put(target, data)
    put("cgminer_json", b'{"STATUS":[{"STATUS":"S","Code":11}],"SUMMARY":[{"GHS 5s":"1.5e4",}]}\0')
    put("cgminer_json", b'{"STATUS":[{"STATUS":"S"}]}{"STATS":[{"temp":nan}],"id":1')
    put("cgminer_json", b'{"STATS":[{"MM ID0":"Ver[1066] GHSspd[8.2] TMax[80] PS[0 0 27 4 0 3605 1234]"}]}')
    put("axeos", '{"version":"v2.4.0","power":12.5,"frequency":525,"coreVoltage":1200,'
                 '"ASICModel":"BM1366","asicCount":1,"hashRate":480.3,"temp":55}')
    put("braiins", '{"power_target":{"min":{"watt":800},"default":{"watt":3250},'
                   '"max":{"watt":3600}},"sticker_hashrate":{"gigahash_per_second":104000}}')
    put("vnish", '[{"name":"disabled","pretty":"Disabled"},{"name":"3200",'
                 '"pretty":"3200 watt ~ 95 TH","status":"tuned"}]')
    put("antminer", '{"stats":0,"code":"M000","msg":"OK!"}')
    status = {"STATUS": "S", "When": 1700000000, "Code": 131, "Description": ""}
    for msg in [{"api_ver": "2.0.5", "fw_ver": "20230803.11.REL", "platform": "H616"},
                {"FirmwareVersion": "20230803.11.REL", "mineroff": "false", "power_mode": "normal"},
                {"error_code": [{"218": "2024-06-15 10:30:00"}]}]:
        put("whatsminer_v2", json.dumps(dict(status, Msg=msg)))
    put("whatsminer_v2", json.dumps({"STATUS": [{"STATUS": "S", "Code": 11}], "SUMMARY": [
        {"HS RT": 1.7e8, "Power": 3400, "Chip Temp Max": 81.0, "Fan Speed In": 5400,
         "Power Limit": 3500, "Elapsed": 120}]}))
    put("whatsminer_v2", '{"enc":1,"data":"dGhpcyBpcyBub3QgYWVzIGJ1dCBiYXNlNjQ="}')
    put("whatsminer_v3", json.dumps({"code": 0, "desc": "get.device.info", "msg": {
        "miner": {"board-num": "3", "type": "M60S_VK40", "working": "true"},
        "power": {"fanspeed": 6344, "model": "P221B"}, "salt": "BQ5hoXV9",
        "system": {"api": "3.0.2", "fwversion": "20251209.16.Rel2", "platform": "H616"}}}))
    put("whatsminer_v3", json.dumps({"code": 0, "desc": "get.miner.status", "msg": {"summary": {
        "board-temperature": [41.1, 40.1], "chip-temp-max": 82.0, "elapsed": 60,
        "fan-speed-in": 5400, "hash-realtime": 180.5, "power-limit": 3500,
        "power-realtime": 3400}}}))
    put("whatsminer_v3", '{"code":-4,"msg":"no permission"}')


def sensors():
    for data in files("adapters/sensors/profiles/*.toml"):
        put("modbus_profile", data + b"\n%%\n" + bytes(range(0, 256, 3)) * 2)
    put("mqtt_payload", "42.5")
    put("mqtt_payload", '/power\n{"power": 1234.5, "unit": "W"}')
    put("mqtt_payload", '/data/0/v\n{"data":[{"v":"17"}]}')
    put("mqtt_payload", '[{"start":"2026-11-21T10:00:00+01:00","end":"2026-11-21T11:00:00+01:00",'
                        '"value":0.21},{"start":1763719200,"end":1763722800,"price":0.25}]')
    put("mqtt_payload", '{"attributes":{"raw_today":[{"start":"2026-11-21T00:00:00Z",'
                        '"end":"2026-11-21T01:00:00Z","value":0.1}],"raw_tomorrow":[]}}')


def config():
    for data in list(files("examples/*.toml")) + list(files("tests/config_cases/*/config.toml")):
        put("config_load", data)
    page = {"site": {"max_draw_w": 3000, "period": "1s"}, "policy": {"use": "solar_surplus"},
            "sources": [{"id": "inverter", "type": "sunspec", "host": "192.168.1.20"}],
            "miners": [{"id": "s9", "driver": "antminer", "url": "http://192.168.1.31"}]}
    for data in files("examples/*.toml"):
        put("config_splice", data + b"\n%%\n" + json.dumps(page).encode())
    put("config_splice", "# site\n[site]\nmax_draw_w = 2000 # W\n\n[[miners]]\nid = \"s9\"\n"
                         "driver = \"antminer\"\nurl = \"http://192.168.1.31\"\n%%\n"
                         + json.dumps(page))
    for data in files("tests/fixtures/tz/**/*"):
        put("tzif", data)
    put("tzif", "CET-1CEST,M3.5.0,M10.5.0/3")
    put("tzif", "<+0330>-3:30<+0430>,J79/24,J263/24")
    for data in [*files("tests/fixtures/sim/*.csv"), *files("data/demo/*.csv")]:
        put("sim_trace", data)
    put("sim_trace", "time,pv_ac_w,price_per_kwh\n2026-06-14T10:00:00Z,1200,0.2\n"
                     "2026-06-14 10:05:00+02:00,1300,\n1718359800,1250,0.3\n")


def web():
    put("web_request", "\n%%\nContent-Type: application/json\nHost: hs.local\n"
                       "Origin: http://hs.local\n%%\n{\"user\":\"admin\",\"password\":\"pw\"}")
    put("web_request", "limit=10&after=42\n%%\nCookie: hs_session=abc; x=y\n%%\n")
    put("web_request", "range=day&name=pv_w&name=zone%2Fliving&bucket=60000\n%%\n%%\n")
    put("web_request", "from=1700000000000&to=1700003600000\n%%\nContent-Type: text/plain\n"
                       "%%\n{\"setup_code\":\"123-456\",\"mode\":\"auto\",\"id\":\"s9\"}")


if __name__ == "__main__":
    sunspec()
    miners()
    sensors()
    config()
    web()
