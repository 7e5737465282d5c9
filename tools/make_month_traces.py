#!/usr/bin/env python3
"""Builds data/months/*.csv, month-long site traces, from the public files (data/months/SOURCES.md).

    /usr/bin/python3 tools/make_month_traces.py DATA_DIR data/months
    /usr/bin/python3 tools/make_month_traces.py DATA_DIR --check-poa

DATA_DIR holds the verbatim public files (nrel_bms_ghi_1min_simba/, sdt_residential_5min/,
nrel_bms_ghi_poa_1min_pvcaptest/, uci_household_load_1min/). The output is deterministic.
--check-poa compares the transposition below against the measured plane-of-array irradiance of
the pvcaptest week and prints the error; it writes nothing.

The site: a 10 kW AC inverter with 13 kWp of modules (DC/AC 1.3), facing south, tilted 30°.
- Irradiance traces (NREL SRRL, Golden CO, GHI only): sun position (NOAA's low-precision
  formulas), Erbs decomposition into beam and diffuse, Hay-Davies transposition onto the plane,
  cell temperature by the NOCT model (45 °C) from an assumed ambient day curve, a power
  coefficient of -0.37 %/K, 7 % other DC losses (soiling, wiring, mismatch), 96.5 % inverter
  efficiency, clipped at 10 kW AC.
- Measured AC traces (solar-data-tools, 5 min): scaled to a 10 kW inverter, as measured.
House load: the UCI household's two measured days, tiled (day 1, day 2, day 1, ...) by local
minute of day.
"""
import csv
import datetime as dt
import math
import os
import sys

UTC = dt.timezone.utc
LAT, LON = 39.742, -105.18        # NREL SRRL, Golden CO
TILT = 30.0
ALBEDO = 0.2
KWP, AC_MAX_W = 13.0, 10000.0
GAMMA = -0.0037                   # power per K above 25 °C
NOCT = 45.0
OTHER_DC = 0.93
INVERTER_EFF = 0.965
# Assumed ambient curves (°C, daily minimum at 06:00, maximum at 15:00 local solar time):
# Denver's monthly normals, rounded. The GHI files carry no temperature.
AMBIENT = {1: (-8.0, 7.0), 6: (13.0, 29.0), 9: (10.0, 26.0)}


def sun(t, tilt=TILT):
    """(cos zenith, cos incidence on a south-facing plane, extraterrestrial normal W/m², solar hour)."""
    n = t.timetuple().tm_yday
    hour = t.hour + t.minute / 60 + t.second / 3600
    g = 2 * math.pi / 365 * (n - 1 + (hour - 12) / 24)
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                       - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    solar_min = hour * 60 + eqtime + 4 * LON
    ha = math.radians(solar_min / 4 - 180)
    phi, beta = math.radians(LAT), math.radians(tilt)
    cosz = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(ha)
    cosi = (math.sin(decl) * math.sin(phi - beta)
            + math.cos(decl) * math.cos(phi - beta) * math.cos(ha))
    i0 = 1367 * (1 + 0.033 * math.cos(2 * math.pi * n / 365))
    return cosz, cosi, i0, solar_min / 60 % 24


def poa(ghi, t, tilt=TILT):
    """Plane-of-array irradiance from GHI: Erbs, then Hay-Davies."""
    cosz, cosi, i0, _ = sun(t, tilt)
    if ghi <= 0 or cosz <= 0.02:
        return max(0.0, ghi) * (1 + math.cos(math.radians(tilt))) / 2
    kt = min(1.0, ghi / (i0 * max(cosz, 0.065)))
    if kt <= 0.22:
        fd = 1 - 0.09 * kt
    elif kt <= 0.8:
        fd = 0.9511 - 0.1604 * kt + 4.388 * kt**2 - 16.638 * kt**3 + 12.336 * kt**4
    else:
        fd = 0.165
    dhi = fd * ghi
    beam_h = ghi - dhi
    dni = beam_h / max(cosz, 0.065)
    rb = max(0.0, cosi) / max(cosz, 0.065)
    ai = min(1.0, dni / i0)
    beta = math.radians(tilt)
    sky = dhi * ((1 - ai) * (1 + math.cos(beta)) / 2 + ai * rb)
    ground = ghi * ALBEDO * (1 - math.cos(beta)) / 2
    return max(0.0, dni * max(0.0, cosi)) + sky + ground


def ambient_c(t):
    lo, hi = AMBIENT[(t - dt.timedelta(hours=7)).month]   # MST month
    h = sun(t)[3]
    # Cosine between the 06:00 minimum and the 15:00 maximum, back down overnight.
    if 6 <= h <= 15:
        x = (h - 6) / 9
    else:
        x = 1 - ((h - 15) % 24) / 15
    return lo + (hi - lo) * (1 - math.cos(math.pi * x)) / 2


def pv_ac_w(ghi, t):
    g = poa(ghi, t)
    if g <= 0:
        return 0.0
    cell = ambient_c(t) + g * (NOCT - 20) / 800
    dc = KWP * 1000 * g / 1000 * (1 + GAMMA * (cell - 25)) * OTHER_DC
    return min(AC_MAX_W, dc * INVERTER_EFF)


def read_house(data):
    """Two days of 1-min load in W, as [day][minute]."""
    days = {}
    path = os.path.join(data, "uci_household_load_1min/household_power_consumption_2007-02-01_02.txt")
    with open(path) as f:
        for r in csv.DictReader(f, delimiter=";"):
            d, m, y = r["Date"].split("/")
            hh, mm, _ = r["Time"].split(":")
            days.setdefault((y, m, d), {})[int(hh) * 60 + int(mm)] = float(r["Global_active_power"]) * 1000
    out = []
    for key in sorted(days):
        minutes = days[key]
        out.append([minutes.get(i, minutes.get(i - 1, 0.0)) for i in range(1440)])
    return out


def house_w(house, local, first_day):
    day = (local.date() - first_day).days
    return house[day % len(house)][local.hour * 60 + local.minute]


def nrel_month(data, name, house, out_dir):
    """A month of NREL SRRL GHI (MST, 1 min) as PV AC power; times in UTC."""
    path = os.path.join(data, "nrel_bms_ghi_1min_simba", name + ".txt")
    rows = []
    with open(path) as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            if len(r) < 3:
                continue
            local = dt.datetime.strptime(r[0] + " " + r[1], "%m/%d/%Y %H:%M")
            rows.append((local, float(r[2])))
    first = rows[0][0].date()
    out = os.path.join(out_dir, "nrel_" + name + ".csv")
    with open(out, "w") as f:
        f.write("# %s: NREL SRRL BMS GHI (Golden CO), 1 min, as a 13 kWp / 10 kW AC array; "
                "see SOURCES.md\n" % name)
        f.write("# house load: UCI household, two days tiled by local minute (MST)\n")
        f.write("time,pv_ac_w,inverter_ac_max_w,house_load_w\n")
        for local, ghi in rows:
            t = (local + dt.timedelta(hours=7)).replace(tzinfo=UTC)
            # The stamp marks the minute; the sun is taken at its middle.
            p = pv_ac_w(ghi, t + dt.timedelta(seconds=30))
            f.write("%d,%d,%d,%d\n" % (t.timestamp(), round(p), AC_MAX_W, round(house_w(house, local, first))))
    return out


def sdt_month(data, site, start, days, scale, offset_h, house, out_dir, label):
    """A month of measured 5-min AC power (kW, UTC, daytime rows only), scaled; nights are 0.
    A missing daytime slot is interpolated between its neighbours when both lie within 30 min."""
    path = os.path.join(data, "sdt_residential_5min", site + ".csv")
    t0 = dt.datetime.fromisoformat(start).replace(tzinfo=UTC) - dt.timedelta(hours=offset_h)
    t1 = t0 + dt.timedelta(days=days)
    measured = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            t = dt.datetime.fromisoformat(r["ts"]).replace(tzinfo=UTC)
            if t0 - dt.timedelta(hours=1) <= t <= t1 + dt.timedelta(hours=1):
                measured[t] = max(0.0, float(r["meas_val_f"]) * 1000 * scale)
    step = dt.timedelta(minutes=5)
    filled = 0
    out = os.path.join(out_dir, label + ".csv")
    first = (t0 + dt.timedelta(hours=offset_h)).date()
    with open(out, "w") as f:
        f.write("# %s: solar-data-tools %s measured AC power, 5 min, x %.4g; see SOURCES.md\n"
                % (label, site, scale))
        f.write("# house load: UCI household, two days tiled by local minute (UTC-%d)\n" % offset_h)
        f.write("time,pv_ac_w,inverter_ac_max_w,house_load_w\n")
        t = t0
        while t < t1:
            if t in measured:
                p = measured[t]
            else:
                before = [measured.get(t - k * step) for k in range(1, 7)]
                after = [measured.get(t + k * step) for k in range(1, 7)]
                kb = next((k for k, v in enumerate(before, 1) if v is not None), None)
                ka = next((k for k, v in enumerate(after, 1) if v is not None), None)
                p = 0.0
                if kb and ka:
                    vb, va = before[kb - 1], after[ka - 1]
                    p = vb + (va - vb) * kb / (kb + ka)
                    filled += 1
            local = t + dt.timedelta(hours=offset_h)
            local = local.replace(tzinfo=None)
            f.write("%d,%d,%d,%d\n" % (t.timestamp(), round(p), AC_MAX_W, round(house_w(house, local, first))))
            t += step
    print("%s: %d daytime slots interpolated" % (label, filled))
    return out


def check_poa(data):
    """Transposition error against the measured POA (40° south) of the pvcaptest week."""
    path = os.path.join(data, "nrel_bms_ghi_poa_1min_pvcaptest/nrel_data.csv")
    model = measured = 0.0
    by_day = {}
    with open(path) as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            local = dt.datetime.fromisoformat(r[0])
            t = (local + dt.timedelta(hours=7, seconds=30)).replace(tzinfo=UTC)
            ghi, poa_m = float(r[1]), max(0.0, float(r[2]))
            p = poa(ghi, t, tilt=40.0)
            d = by_day.setdefault(local.date().isoformat(), [0.0, 0.0])
            d[0] += p / 60000
            d[1] += poa_m / 60000
    for day, (p, m) in sorted(by_day.items()):
        print("%s  modelled %.2f kWh/m2  measured %.2f  error %+.1f %%" % (day, p, m, 100 * (p / m - 1)))
        model += p
        measured += m
    print("week      modelled %.2f kWh/m2  measured %.2f  error %+.1f %%"
          % (model, measured, 100 * (model / measured - 1)))


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--check-poa":
        check_poa(sys.argv[1])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    house = read_house(data)
    for name in ("2018sep", "2023jun", "2023jan"):
        print(nrel_month(data, name, house, out_dir))
    # ZT (ABB TRIO 27.6 kW, clips at 30 kW) x 1/3: a 10 kW clip. West coast: local solar ~UTC-8.
    print(sdt_month(data, "ZT162185000441C1203", "2019-05-01", 31, 1 / 3, 8, house, out_dir,
                    "zt_2019may"))
    # TAEFC (SMA 7 kW) x 10/7 to a 10 kW inverter.
    print(sdt_month(data, "TAEFC1044741", "2016-07-01", 31, 10 / 7, 8, house, out_dir,
                    "taefc_2016jul"))


if __name__ == "__main__":
    main()
