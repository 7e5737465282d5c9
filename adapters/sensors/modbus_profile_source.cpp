#include "adapters/sensors/modbus_profile_source.hpp"

#include "adapters/sensors/profiles/profile_catalog.hpp"

namespace hashsink::sensors {

using transport::ModbusEndpoint;
using transport::RegisterTable;

Result<ProfileReading> read_profile(transport::ModbusClient& client,
                                    const profiles::Profile& profile, int unit) noexcept {
    try {
        ProfileReading r;
        std::map<std::pair<RegisterTable, int>, std::uint16_t> regs;
        std::map<std::string, std::string> refused;  // point -> why
        client.set_unit(unit);
        for (const auto& block : profiles::plan_blocks(profile)) {
            auto words = client.read_registers(block.table, block.address, block.count);
            if (!words) {
                if (words.error().code != ErrorCode::rejected) return words.error();
                ++r.blocks_refused;
                for (std::size_t i : block.points)
                    refused[profile.points[i].name] =
                        "device refused the read (" + words.error().message + ")";
                continue;
            }
            ++r.blocks_read;
            for (int k = 0; k < block.count; ++k)
                regs[{block.table, block.address + k}] = (*words)[static_cast<std::size_t>(k)];
        }
        r.points = profiles::decode_points(profile, regs);
        for (const auto& [name, why] : refused) r.points[name].problem = why;
        r.signals = profiles::signals_from(profile, r.points);
        return r;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io,
                             client.name() + ": read profile " + profile.name + ": " + e.what(),
                             false);
    }
}

ModbusEndpoint endpoint_for(const profiles::Profile& p, ModbusEndpoint e, bool explicit_serial) {
    if (e.unit <= 0) e.unit = p.unit;
    if (e.port <= 0) e.port = p.port;
    if (!explicit_serial) {
        e.baud = p.baud;
        e.parity = p.parity;
        e.data_bits = p.data_bits;
        e.stop_bits = p.stop_bits;
    } else {
        if (e.baud <= 0) e.baud = p.baud;
        if (e.parity == 0) e.parity = p.parity;
        if (e.data_bits <= 0) e.data_bits = p.data_bits;
        if (e.stop_bits <= 0) e.stop_bits = p.stop_bits;
    }
    return e;
}

namespace {

char parity_of(const std::string& parity) { return parity.empty() ? '\0' : parity[0]; }

// Which profile, and where its files are.
Settings<ModbusSourceConfig> profile_keys(Settings<ModbusSourceConfig> s) {
    return std::move(s)
        .bind(&ModbusSourceConfig::profile,
              {.name = "profile",
               .doc = "register-map profile: built in are dse_gencomm, huawei_sun2000, sma_modbus, "
                      "solaredge_meter, victron_gx; or <name>.toml in profile_dir",
               .required = true})
        .bind(
            &ModbusSourceConfig::profile_dir,
            {.name = "profile_dir",
             .doc = "directory searched for <profile>.toml before the built-in profiles (default: "
                    "the installed share/hashsink/profiles)",
             .fallback = std::string()});
}

// How the device is reached: Modbus TCP or RTU, each setting 0 or empty for the profile's.
Settings<transport::ModbusEndpoint> endpoint_keys() {
    return Settings<transport::ModbusEndpoint>{}
        .bind(&transport::ModbusEndpoint::host,
              {.name = "host",
               .doc = "Modbus TCP address (IP or name); give host or device",
               .fallback = std::string(),
               .one_of = "endpoint"})
        .bind(&transport::ModbusEndpoint::port, {.name = "port",
                                                 .doc = "Modbus TCP port (0: the profile's)",
                                                 .fallback = std::int64_t{0},
                                                 .min = 0,
                                                 .max = 65535})
        .bind(
            &transport::ModbusEndpoint::device,
            {.name = "device",
             .doc = "serial device for Modbus RTU (RS-485), e.g. /dev/ttyUSB0; give host or device",
             .fallback = std::string(),
             .one_of = "endpoint"})
        .bind(&transport::ModbusEndpoint::baud, {.name = "baud",
                                                 .doc = "RTU baud rate (0: the profile's)",
                                                 .unit = "bit/s",
                                                 .fallback = std::int64_t{0},
                                                 .min = 0,
                                                 .max = 1000000})
        .bind(&transport::ModbusEndpoint::parity,
              {.name = "parity",
               .doc = "RTU parity (empty: the profile's)",
               .fallback = std::string(),
               .choices = {"N", "E", "O"}},
              &parity_of)
        .bind(&transport::ModbusEndpoint::data_bits, {.name = "data_bits",
                                                      .doc = "RTU data bits (0: the profile's)",
                                                      .fallback = std::int64_t{0},
                                                      .min = 0,
                                                      .max = 8})
        .bind(&transport::ModbusEndpoint::stop_bits, {.name = "stop_bits",
                                                      .doc = "RTU stop bits (0: the profile's)",
                                                      .fallback = std::int64_t{0},
                                                      .min = 0,
                                                      .max = 2})
        .bind(&transport::ModbusEndpoint::unit, {.name = "unit",
                                                 .doc = "Modbus unit id (0: the profile's)",
                                                 .fallback = std::int64_t{0},
                                                 .min = 0,
                                                 .max = 247})
        .bind(&transport::ModbusEndpoint::pace,
              {.name = "pace",
               .doc = "least time between two requests on the shared connection (an RS-485 bus "
                      "needs a silent gap between frames)",
               .unit = "s",
               .fallback = Duration{10},
               .min = 0,
               .max = 10});
}

// What the site adds to the profile's signals.
Settings<ModbusSourceConfig> site_keys(Settings<ModbusSourceConfig> s) {
    return std::move(s)
        .bind(&ModbusSourceConfig::rating_w,
              {.name = "rating_w",
               .doc = "device rating, published as the profile's rating signal (0: none)",
               .unit = "W",
               .fallback = 0.0,
               .min = 0,
               .max = 1e9})
        .bind(
            &ModbusSourceConfig::frequency_min_hz,
            {.name = "frequency_min_hz",
             .doc = "generator's lowest safe frequency, for genset.frequency_margin_hz (0: 95 % of "
                    "the nominal 50 or 60 Hz)",
             .unit = "Hz",
             .fallback = 0.0,
             .min = 0,
             .max = 100});
}

}  // namespace

const Settings<ModbusSourceConfig>& ModbusProfileSource::settings() {
    static const auto settings =
        site_keys(profile_keys(Settings<ModbusSourceConfig>{})
                      .nest(&ModbusSourceConfig::endpoint, endpoint_keys()));
    return settings;
}

const KeyTable& ModbusProfileSource::keys() { return settings().keys(); }

ModbusSourceConfig ModbusProfileSource::config_from(const Options& options) {
    ModbusSourceConfig c = settings().from(options);
    // Every source's own deadline ([[sources]] timeout, config::source_settings()).
    c.endpoint.response_timeout = options.get_duration("timeout", c.endpoint.response_timeout);
    return c;
}

ModbusProfileSource::ModbusProfileSource(std::string id, ModbusSourceConfig config)
    : id_(std::move(id)), config_(std::move(config)) {}

Status ModbusProfileSource::with_context(Status st) const {
    st.message = "modbus " + id_ + ": " + st.message;
    return st;
}

Status ModbusProfileSource::setup() {
    if (config_.endpoint.host.empty() == config_.endpoint.device.empty())
        return Status::error(ErrorCode::invalid, "configure: give exactly one of host and device",
                             false);
    if (!profile_) {
        auto p = profiles::load_profile(config_.profile, config_.profile_dir);
        if (!p) return p.error();
        profile_ = std::move(*p);
    }
    if (!link_) {
        const auto& e = config_.endpoint;
        bool explicit_serial = e.baud > 0 || e.parity != 0 || e.data_bits > 0 || e.stop_bits > 0;
        endpoint_ = endpoint_for(*profile_, e, explicit_serial);
        auto link = transport::shared_modbus_link(endpoint_);
        if (!link) return link.error();
        link_ = *link;
    }
    return Status::success();
}

Status ModbusProfileSource::collect(TimePoint, Accumulator& out) noexcept {
    try {
        if (auto st = setup(); !st) return with_context(st);
        const auto deadline =
            std::chrono::steady_clock::now() + config_.endpoint.response_timeout * kBudgetFactor;
        auto lease = link_->acquire(deadline);
        if (!lease) return with_context(lease.error());
        auto& client = lease->client();
        client.set_deadline(deadline);
        auto reading = read_profile(client, *profile_, endpoint_.unit);
        client.clear_deadline();
        if (!reading) return with_context(reading.error());
        for (const auto& [signal, sv] : reading->signals) {
            if (sv.value)
                out.put(signal, *sv.value);
            else
                out.reject(signal, sv.problem);
        }
        if (config_.rating_w > 0 && !profile_->rating_signal.empty())
            out.put(profile_->rating_signal, config_.rating_w);
        if (config_.frequency_min_hz > 0)
            out.put("genset.frequency_min_hz", config_.frequency_min_hz);
        if (reading->blocks_read == 0)
            return with_context(Status::error(
                ErrorCode::rejected, client.name() + ": unit " + std::to_string(endpoint_.unit) +
                                         ": read profile " + profile_->name +
                                         ": every read refused"));
        return Status::success();
    } catch (const std::exception& e) {
        return with_context(
            Status::error(ErrorCode::io, std::string("collect: ") + e.what(), false));
    }
}

}  // namespace hashsink::sensors
