#include "daemon/config/config.hpp"

namespace hashsink::config {
namespace {

Duration dur(const char* text) { return parse_duration(text).value_or(Duration{0}); }

KeySpec key(std::string name, KeyType type, std::string doc, std::string unit = {}) {
    KeySpec k;
    k.name = std::move(name);
    k.type = type;
    k.doc = std::move(doc);
    k.unit = std::move(unit);
    return k;
}
KeySpec with_default(KeySpec k, OptionValue v) {
    k.fallback = std::move(v);
    return k;
}
KeySpec range(KeySpec k, std::optional<double> min, std::optional<double> max = std::nullopt) {
    k.min = min;
    k.max = max;
    return k;
}
KeySpec required(KeySpec k) {
    k.required = true;
    return k;
}

}  // namespace

std::string Diagnostic::format() const {
    std::string out = where.file + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": error: ";
    if (!key_path.empty()) out += key_path + ": ";
    return out + message;
}

const KeyTable& site_keys() {
    static const KeyTable table = [] {
        KeyTable t;
        t.push_back(with_default(key("name", KeyType::string, "Name of the site, shown on the page"),
                                 std::string("hashsink")));
        t.push_back(range(with_default(key("period", KeyType::duration,
                                           "Control period: one tick reads the world, decides "
                                           "and writes",
                                           "s"),
                                       dur("1s")),
                          0.1, 60));
        // Zero would read as "no limit" to some and "nothing" to others: a site states a number.
        t.push_back(range(required(key("max_draw_w", KeyType::number,
                                       "The most the whole fleet of miners may draw together",
                                       "W")),
                          1));
        KeySpec safe = with_default(key("safe_state", KeyType::string,
                                        "What miners are set to when data is stale or the daemon "
                                        "stops: paused (no hashing) or minimum (lowest power)"),
                                    std::string("paused"));
        safe.choices = {"paused", "minimum"};
        t.push_back(safe);
        t.push_back(with_default(
            key("timezone", KeyType::string,
                "IANA time zone of the site, like \"Europe/Berlin\" (read from tzdata's "
                "/usr/share/zoneinfo, or $TZDIR): the local time of schedule and comfort "
                "windows, daylight saving followed. Empty: UTC, or the policies' fixed "
                "utc_offset_min"),
            std::string()));
        t.push_back(range(with_default(key("miner_poll_interval", KeyType::duration,
                                           "How often each miner's state is read back", "s"),
                                       dur("5s")),
                          1, 300));
        // The site's equipment as `hashsink simulate` models it (the daemon reads the real
        // battery and generator through its sources).
        auto sim_number = [&](const char* name, const char* doc, const char* unit, double fallback,
                              double min, double max) {
            t.push_back(range(with_default(key(name, KeyType::number, doc, unit), fallback), min, max));
        };
        sim_number("battery_kwh",
                   "simulate: usable capacity of the site's battery; 0 models none (a trace's "
                   "battery_soc_pct column is then passed through)",
                   "kWh", 0.0, 0, 1e5);
        sim_number("battery_power_w",
                   "simulate: the battery's largest charging and discharging power", "W", 0.0, 0,
                   1e7);
        sim_number("battery_efficiency", "simulate: the battery's round-trip efficiency", "", 0.9,
                   0.5, 1);
        sim_number("battery_soc_pct",
                   "simulate: the battery's state of charge at the start of the trace (it never "
                   "discharges below 10 %)",
                   "%", 50.0, 0, 100);
        t.push_back(range(with_default(key("genset_trip_after", KeyType::duration,
                                           "simulate: a generator overloaded this long trips; 0 "
                                           "never trips on overload time",
                                           "s"),
                                       dur("10s")),
                          0, 3600));
        sim_number("genset_trip_hz",
                   "simulate: a generator whose frequency falls below this trips at once; 0 "
                   "means 95 % of nominal",
                   "Hz", 0.0, 0, 100);
        t.push_back(range(with_default(key("genset_restart", KeyType::duration,
                                           "simulate: a tripped generator gives nothing for this "
                                           "long",
                                           "s"),
                                       dur("2m")),
                          0, 86400));
        return t;
    }();
    return table;
}

const KeyTable& governor_keys() {
    static const KeyTable table = [] {
        KeyTable t;
        t.push_back(range(with_default(key("min_dwell", KeyType::duration,
                                           "Minimum time between two changes of one miner", "s"),
                                       dur("30s")),
                          0, 3600));
        t.push_back(range(with_default(key("ramp_up_w_per_s", KeyType::number,
                                           "Fastest rise of the fleet's power target; 0 means "
                                           "unlimited",
                                           "W/s"),
                                       0.0),
                          0));
        t.push_back(range(with_default(key("ramp_down_w_per_s", KeyType::number,
                                           "Fastest controlled fall of the fleet's power target "
                                           "(a larger decrease goes one level at a time), for "
                                           "generators that dislike sudden load drops; sheds "
                                           "and the safe state are never slowed. 0 means "
                                           "unlimited",
                                           "W/s"),
                                       0.0),
                          0));
        t.push_back(range(with_default(key("start_margin_w", KeyType::number,
                                           "Spare power a paused miner needs before it starts "
                                           "(a running one keeps running without it), so a "
                                           "surplus hovering at one miner's draw does not "
                                           "switch it on and off",
                                           "W"),
                                       10.0),
                          0, 1e6));
        t.push_back(range(with_default(key("start_margin_pct", KeyType::number,
                                           "A paused miner's start margin is at least this "
                                           "share of its own lowest level, so a big miner does "
                                           "not start on a surplus that only just covers it",
                                           "%"),
                                       0.0),
                          0, 100));
        KeySpec prio = with_default(key("priority", KeyType::string_list,
                                        "Miner ids served first, in this order; the others "
                                        "follow in file order"),
                                    std::vector<std::string>{});
        prio.ref = RefKind::miner;
        t.push_back(prio);
        return t;
    }();
    return table;
}

const Settings<JournalSection>& journal_settings() {
    static const auto settings =
        Settings<JournalSection>{}
            .bind(&JournalSection::path,
                  {.name = "path",
                   .doc = "SQLite database file (relative paths are relative to the working "
                          "directory; `run --db` overrides it)",
                   .fallback = std::string("hashsink.db")})
            .bind(&JournalSection::retention, {.name = "retention",
                                               .doc = "How long samples and decisions are kept",
                                               .unit = "s",
                                               .fallback = dur("30d")})
            .bind(&JournalSection::keep_raw,
                  {.name = "keep_raw",
                   .doc = "How long the per-tick rows (readings, miner states, decisions) are "
                          "kept; older history is served from the per-minute and per-hour "
                          "rollups, kept for `retention`. 0: as long as `retention`",
                   .unit = "s",
                   .fallback = dur("14d")})
            .bind(&JournalSection::commit_interval,
                  {.name = "commit_interval",
                   .doc = "How often the writer thread commits a batch",
                   .unit = "s",
                   .fallback = dur("500ms"),
                   .min = 0.05,
                   .max = 1});
    return settings;
}
const KeyTable& journal_keys() { return journal_settings().keys(); }

const Settings<WebSection>& web_settings() {
    static const auto settings =
        Settings<WebSection>{}
            .bind(&WebSection::enabled,
                  {.name = "enabled", .doc = "Serve the status page and API", .fallback = true})
            .bind(&WebSection::listen,
                  {.name = "listen",
                   .doc = "Address and port to listen on, host:port ([v6]:port for IPv6)",
                   .fallback = std::string("127.0.0.1:8080")})
            .bind(&WebSection::public_status,
                  {.name = "public_status",
                   .doc = "Let anyone who can reach the page read the live status (GET "
                          "/api/status and the page's live view) without a login; set-up, "
                          "history and overrides always need one",
                   .fallback = true})
            .bind(&WebSection::metrics_token_file,
                  {.name = "metrics_token_file",
                   .doc = "File holding a bearer token (its first line) that Prometheus may send "
                          "to read GET /metrics when public_status is false (`authorization: "
                          "{credentials_file: ...}` in its scrape config); unset: /metrics then "
                          "needs a login like the status",
                   .secret = true});
    return settings;
}
const KeyTable& web_keys() { return web_settings().keys(); }

const KeyTable& policy_keys() {
    static const KeyTable table = [] {
        KeyTable t;
        t.push_back(with_default(key("use", KeyType::string,
                                     "Which policy decides the power budget; its keys live in "
                                     "[policy.<use>]"),
                                 std::string("solar_surplus")));
        return t;
    }();
    return table;
}

const Settings<SourceCommon>& source_settings() {
    static const auto settings =
        Settings<SourceCommon>{}
            .bind(&SourceCommon::id,
                  {.name = "id",
                   .doc = "Unique id of this source (letters, digits, '_', '-', '.')",
                   .required = true})
            .bind(&SourceCommon::type,
                  {.name = "type", .doc = "Source type: one of the types below", .required = true})
            .bind(&SourceCommon::poll_interval, {.name = "poll_interval",
                                                 .doc = "How often the source is read",
                                                 .unit = "s",
                                                 .fallback = dur("1s"),
                                                 .min = 0.1,
                                                 .max = 3600})
            .bind(&SourceCommon::max_age,
                  {.name = "max_age",
                   .doc = "Readings older than this are stale and trigger the safe state",
                   .unit = "s",
                   .fallback = dur("5s")})
            .bind(&SourceCommon::timeout, {.name = "timeout",
                                           .doc = "Deadline of one read of the device",
                                           .unit = "s",
                                           .fallback = dur("1s"),
                                           .min = 0.05,
                                           .max = 60});
    return settings;
}
const KeyTable& source_keys() { return source_settings().keys(); }

const Settings<MinerCommon>& miner_settings() {
    static const auto settings =
        Settings<MinerCommon>{}
            .bind(&MinerCommon::id,
                  {.name = "id",
                   .doc = "Unique id of this miner (letters, digits, '_', '-', '.')",
                   .required = true})
            .bind(&MinerCommon::driver, {.name = "driver",
                                         .doc = "Miner driver: one of the drivers below",
                                         .required = true})
            .bind(&MinerCommon::enabled,
                  {.name = "enabled",
                   .doc = "false keeps the miner configured but never driven",
                   .fallback = true})
            .bind(&MinerCommon::max_power_w,
                  {.name = "max_power_w",
                   .doc = "Per-miner power cap; 0 means no cap beyond the device's own",
                   .unit = "W",
                   .fallback = 0.0,
                   .min = 0})
            .bind(&MinerCommon::min_power_w,
                  {.name = "min_power_w",
                   .doc = "Lowest power the governor may set while the miner runs",
                   .unit = "W",
                   .fallback = 0.0,
                   .min = 0});
    return settings;
}
const KeyTable& miner_keys() { return miner_settings().keys(); }

}  // namespace hashsink::config
