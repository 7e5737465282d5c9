#!/usr/bin/env python3
"""Builds data/scenarios/winter_days.csv from NREL RMIS weather (see data/scenarios/SOURCES.md).

    /usr/bin/python3 tools/make_winter_days.py DATA_DIR/nrel_pvanalytics/rmis_weather_data.csv \
        data/scenarios/winter_days.csv

Input: 5-min rows, local MST (UTC-7) without an offset, 2022-01-01 00:05 .. 01-04 23:55; the
23:55 row of every day is empty. Output, deterministic:
  time            UTC (local + 7 h)
  outdoor_temp_c  "Ambient Temperature"; an empty row is the mean of its neighbours
  ghi_w_m2        "Global Horizontal", night-time sensor offsets (< 0) set to 0
  price_per_kwh   ASSUMED time-of-use tariff, local time: 0.30 on weekdays 15:00-19:00, else 0.13
  feed_in_per_kwh ASSUMED 0.05 flat
The last day's empty 23:55 row has no right neighbour and is dropped.
"""
import csv
import datetime as dt
import sys

MST = dt.timezone(dt.timedelta(hours=-7))


def price(local):
    peak = local.weekday() < 5 and 15 <= local.hour < 19
    return 0.30 if peak else 0.13


def main(src, dst):
    rows = []
    with open(src, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        ti, gi = header.index("Ambient Temperature"), header.index("Global Horizontal")
        for r in reader:
            t = dt.datetime.strptime(r[0], "%m/%d/%Y %H:%M").replace(tzinfo=MST)
            temp = float(r[ti]) if r[ti] else None
            ghi = float(r[gi]) if r[gi] else None
            rows.append([t, temp, ghi])
    out = []
    for i, (t, temp, ghi) in enumerate(rows):
        if temp is None or ghi is None:
            if i + 1 >= len(rows) or i == 0:
                continue
            temp = (rows[i - 1][1] + rows[i + 1][1]) / 2
            ghi = (rows[i - 1][2] + rows[i + 1][2]) / 2
        out.append((t, temp, max(0.0, ghi)))
    with open(dst, "w", newline="") as f:
        f.write("# NREL RMIS (Golden, CO) weather, 2022-01-01..01-04 (4 days, 5 min), UTC.\n")
        f.write("# outdoor_temp_c and ghi_w_m2 measured; prices ASSUMED. See SOURCES.md.\n")
        f.write("time,outdoor_temp_c,ghi_w_m2,price_per_kwh,feed_in_per_kwh\n")
        for t, temp, ghi in out:
            u = t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"{u},{temp:.2f},{ghi:.1f},{price(t):.2f},0.05\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
