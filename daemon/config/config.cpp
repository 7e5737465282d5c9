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

}  // namespace

std::string Diagnostic::format() const {
    std::string out = where.file + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": error: ";
    if (!key_path.empty()) out += key_path + ": ";
    return out + message;
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
                   .max = 1})
            .bind(&JournalSection::history_interval,
                  {.name = "history_interval",
                   .doc = "How long history rows (readings, miner states, decisions, targets and "
                          "their successful apply results) wait in memory before a commit; "
                          "events and failed apply results are committed within "
                          "commit_interval. A crash loses at most this much history",
                   .unit = "s",
                   .fallback = dur("30m"),
                   .min = 0.05,
                   .max = 3600})
            .bind(&JournalSection::on_change,
                  {.name = "on_change",
                   .doc = "Record a signal, miner state or decision only when it moves beyond its "
                          "deadband, at least every `heartbeat` (history reads each value as held "
                          "until the next row); false: every sample is a row",
                   .fallback = true})
            .bind(&JournalSection::heartbeat,
                  {.name = "heartbeat",
                   .doc = "With on_change: a row at least this often for a series that holds "
                          "still",
                   .unit = "s",
                   .fallback = dur("5m"),
                   .min = 1,
                   .max = 3600})
            .bind(&JournalSection::power_deadband_w,
                  {.name = "power_deadband_w",
                   .doc = "With on_change: a power (signals ending in _w, miner power, the "
                          "decision's budget) is recorded when it moves by more than this and "
                          "more than power_deadband_pct",
                   .unit = "W",
                   .fallback = 25.0,
                   .min = 0})
            .bind(&JournalSection::power_deadband_pct,
                  {.name = "power_deadband_pct",
                   .doc = "With on_change: the relative part of the power deadband, % of the "
                          "last recorded value",
                   .unit = "%",
                   .fallback = 2.0,
                   .min = 0,
                   .max = 100})
            .bind(&JournalSection::temperature_deadband_c,
                  {.name = "temperature_deadband_c",
                   .doc = "With on_change: a temperature (signals ending in _c, miner chip and "
                          "VR temperatures) is recorded when it moves by more than this",
                   .unit = "°C",
                   .fallback = 2.0,
                   .min = 0});
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

const Settings<ModbusServerSection>& modbus_server_settings() {
    static const auto settings =
        Settings<ModbusServerSection>{}
            .bind(&ModbusServerSection::listen,
                  {.name = "listen",
                   .doc = "Address and port to serve Modbus TCP on, host:port ([v6]:port for "
                          "IPv6); \"0.0.0.0:1502\" for every interface. Port 502 needs "
                          "CAP_NET_BIND_SERVICE (docs/industrial.md)",
                   .fallback = std::string("127.0.0.1:1502")})
            .bind(&ModbusServerSection::heartbeat_timeout,
                  {.name = "heartbeat_timeout",
                   .doc = "A limit written over Modbus lapses to failsafe_limit_w when no write "
                          "reaches the limit, enable or heartbeat registers for this long; 0: it "
                          "never lapses",
                   .unit = "s",
                   .fallback = dur("60s"),
                   .min = 0,
                   .max = 86400})
            .bind(&ModbusServerSection::failsafe_limit_w,
                  {.name = "failsafe_limit_w",
                   .doc = "The site limit while the heartbeat has lapsed (0: every miner off)",
                   .unit = "W",
                   .fallback = 0.0,
                   .min = 0,
                   .max = 1e8})
            .bind(&ModbusServerSection::max_clients,
                  {.name = "max_clients",
                   .doc = "Connections served at once; one more is closed as it is accepted",
                   .fallback = std::int64_t{8},
                   .min = 1,
                   .max = 64})
            .bind(&ModbusServerSection::idle_timeout,
                  {.name = "idle_timeout",
                   .doc = "A connection that sends nothing for this long is closed",
                   .unit = "s",
                   .fallback = dur("5m"),
                   .min = 1,
                   .max = 86400});
    return settings;
}
const KeyTable& modbus_server_keys() { return modbus_server_settings().keys(); }

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
