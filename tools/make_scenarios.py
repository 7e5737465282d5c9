#!/usr/bin/env python3
"""Builds data/scenarios/*.csv from the public traces (see data/scenarios/SOURCES.md).

    /usr/bin/python3 tools/make_scenarios.py DATA_DIR data/scenarios

DATA_DIR holds the verbatim public files (sdt_residential_5min/, nrel_pvanalytics/,
uci_household_load_1min/, epex_at_awattar/). The output is deterministic.
"""
import csv
import datetime as dt
import math
import os
import random
import sys

UTC = dt.timezone.utc


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interp(series, t):
    """Linear interpolation in a sorted [(datetime, value)] list; 0 outside it."""
    if not series or t < series[0][0] or t > series[-1][0]:
        return 0.0
    lo, hi = 0, len(series) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if series[mid][0] <= t:
            lo = mid
        else:
            hi = mid
    (t0, v0), (t1, v1) = series[lo], series[hi]
    if t1 == t0:
        return v0
    return v0 + (v1 - v0) * (t - t0).total_seconds() / (t1 - t0).total_seconds()


def sdt_day(data, start_utc, end_utc, scale):
    """ZT162185000441C1203 AC power (kW, UTC) between two UTC times, in W times scale."""
    out = []
    with open(os.path.join(data, "sdt_residential_5min/ZT162185000441C1203.csv")) as f:
        for r in csv.DictReader(f):
            t = dt.datetime.fromisoformat(r["ts"]).replace(tzinfo=UTC)
            if start_utc - dt.timedelta(minutes=10) <= t <= end_utc + dt.timedelta(minutes=10):
                out.append((t, max(0.0, float(r["meas_val_f"]) * 1000 * scale)))
    # Only daytime rows exist: pin zero just outside them so dawn and dusk ramp from nothing.
    if out:
        out.insert(0, (out[0][0] - dt.timedelta(minutes=5), 0.0))
        out.append((out[-1][0] + dt.timedelta(minutes=5), 0.0))
    return out


def serf_day(data, day, scale):
    out = []
    with open(os.path.join(data, "nrel_pvanalytics/serf_east_1min_ac_power.csv")) as f:
        for r in csv.DictReader(f):
            t = dt.datetime.fromisoformat(r["measured_on"])
            if t.date().isoformat() == day and r["ac_power__752"]:
                out.append((t.astimezone(UTC), max(0.0, float(r["ac_power__752"]) * scale)))
    return out


def house_load(data):
    """UCI household: minute of day (local time) -> W, for each of its two days."""
    days = {}
    path = os.path.join(data, "uci_household_load_1min/household_power_consumption_2007-02-01_02.txt")
    with open(path) as f:
        for r in csv.reader(f, delimiter=";"):
            if r[0] == "Date":
                continue
            d, m, y = r[0].split("/")
            hh, mm, _ = r[1].split(":")
            days.setdefault(int(d), {})[int(hh) * 60 + int(mm)] = float(r[2]) * 1000
    return days[1], days[2]


def load_at(load, local):
    return load[(local.hour * 60 + local.minute) % 1440]


def write(path, header, rows, notes):
    with open(path, "w", newline="") as f:
        for n in notes:
            f.write("# " + n + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


def minutes(start, end, step_s=60):
    t = start
    while t <= end:
        yield t
        t += dt.timedelta(seconds=step_s)


def fmt(v):
    return f"{v:.1f}"


def solar_scenario(out, name, pv, start, end, load, local_offset_h, notes, extra=None):
    header = ["time", "pv_ac_w", "inverter_ac_max_w", "house_load_w"]
    if extra:
        header += extra[0]
    rows = []
    for t in minutes(start, end):
        local = t + dt.timedelta(hours=local_offset_h)
        row = [iso(t), fmt(min(10000.0, interp(pv, t))), "10000", fmt(load_at(load, local))]
        if extra:
            row += extra[1](t)
        rows.append(row)
    write(os.path.join(out, name), header, rows, notes)


def main(data, out):
    load1, load2 = house_load(data)
    # 1. Clear day with clipping: ZT162185000441C1203, 2019-05-28 local (UTC-8 solar time).
    start = dt.datetime(2019, 5, 28, 12, 0, tzinfo=UTC)
    end = dt.datetime(2019, 5, 29, 4, 0, tzinfo=UTC)
    pv = sdt_day(data, start, end, 1 / 3)
    solar_scenario(out, "clear_clipping.csv", pv, start, end, load1, -8,
                   ["clear day with clipping: sdt ZT162185000441C1203 2019-05-28, AC power x 1/3",
                    "house load: UCI household 2007-02-01 by local minute; see SOURCES.md"])
    # 2. Cloudy day with fast ramps: NREL SERF East 1-min, 2022-03-18 (UTC-7), x 2.
    pv = serf_day(data, "2022-03-18", 2.0)
    start = dt.datetime(2022, 3, 18, 12, 0, tzinfo=UTC)
    end = dt.datetime(2022, 3, 19, 2, 30, tzinfo=UTC)
    solar_scenario(out, "cloudy_ramps.csv", pv, start, end, load2, -7,
                   ["cloudy day, 1-min ramps: NREL SERF East 2022-03-18, AC power x 2",
                    "house load: UCI household 2007-02-02 by local minute; see SOURCES.md"])
    # 3. Zero-export site: ZT 2019-05-29 x 1/3, export limit 0 W (the inverter throttles).
    start = dt.datetime(2019, 5, 29, 12, 0, tzinfo=UTC)
    end = dt.datetime(2019, 5, 30, 4, 0, tzinfo=UTC)
    pv = sdt_day(data, start, end, 1 / 3)
    solar_scenario(out, "export_limited.csv", pv, start, end, load1, -8,
                   ["zero-export site: sdt ZT162185000441C1203 2019-05-29, AC power x 1/3,",
                    "export_limit_w 0: pv_ac_w is what the array could give; see SOURCES.md"],
                   (["export_limit_w"], lambda t: ["0"]))
    # 4. Negative prices: EPEX AT 15-min day-ahead, 2026-06-14 (43 negative quarter hours),
    # with ZT 2019-06-12 x 1/3 moved to Austrian solar time (solar noon ~11:00 UTC).
    prices = []
    with open(os.path.join(data, "epex_at_awattar/epex_AT_dayahead_15min_2025-09-30_2026-08-21.csv")) as f:
        for r in csv.DictReader(f):
            t = dt.datetime.fromisoformat(r["start_utc"].replace("Z", "+00:00"))
            if dt.datetime(2026, 6, 14, 2, tzinfo=UTC) <= t < dt.datetime(2026, 6, 14, 21, tzinfo=UTC):
                prices.append((t, float(r["price_eur_per_mwh"])))
    shift = dt.timedelta(days=(dt.date(2026, 6, 14) - dt.date(2019, 6, 12)).days, hours=-9)
    start = dt.datetime(2019, 6, 12, 12, 0, tzinfo=UTC)
    end = dt.datetime(2019, 6, 13, 4, 0, tzinfo=UTC)
    pv = [(t + shift, v) for t, v in sdt_day(data, start, end, 1 / 3)]

    def price_cols(t):
        spot = 0.0
        for s, p in prices:
            if s <= t:
                spot = p / 1000
        # Dynamic tariff: spot + 3 % + 1.5 ct supplier margin + 10 ct grid fees; the feed-in
        # is paid (or charged) at spot.
        return [f"{spot * 1.03 + 0.115:.5f}", f"{spot:.5f}", "0.045"]

    solar_scenario(out, "negative_prices.csv", pv, start + shift, end + shift, load1, 2,
                   ["negative prices: EPEX AT day-ahead 15 min 2026-06-14 (EUR), PV sdt ZT 2019-06-12",
                    "x 1/3 shifted to Austrian solar time; see SOURCES.md"],
                   (["price_per_kwh", "feed_in_per_kwh", "hashprice_per_th_day"], price_cols))
    # 5. Flare-gas site with supply dips: SYNTHETIC (no public flare trace exists); 400 kW
    # generator, capacity limited by the gas flow, seeded random walk plus dips.
    rng = random.Random(20260614)
    start = dt.datetime(2026, 6, 14, 0, 0, tzinfo=UTC)
    end = start + dt.timedelta(hours=12)
    base = 385000.0
    dips = [  # (start min, fall min, hold min, rise min, depth W)
        (90, 5, 20, 10, 90000), (250, 3, 35, 15, 140000), (420, 1, 10, 5, 70000),
        (560, 8, 45, 20, 180000), (660, 2, 15, 10, 100000)]
    rows = []
    wander = 0.0
    for i, t in enumerate(minutes(start, end, 10)):
        m = i / 6.0
        wander = max(-12000.0, min(12000.0, wander + rng.gauss(0, 600)))
        dip = 0.0
        for s, fall, hold, rise, depth in dips:
            if s <= m < s + fall:
                dip = max(dip, depth * (m - s) / fall)
            elif s + fall <= m < s + fall + hold:
                dip = max(dip, depth)
            elif s + fall + hold <= m < s + fall + hold + rise:
                dip = max(dip, depth * (1 - (m - s - fall - hold) / rise))
        cap = min(400000.0, base + wander - dip)
        rows.append([iso(t), fmt(cap), "60", fmt(6000 + 500 * math.sin(m / 37))])
    write(os.path.join(out, "flare_gas.csv"), ["time", "genset_capacity_w", "genset_frequency_hz", "house_load_w"], rows,
          ["flare-gas site: SYNTHETIC, 400 kW generator limited by gas flow (random walk +/-12 kW)",
           "with five supply dips (70-180 kW, falling over 1-8 min); see SOURCES.md"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
