#include "adapters/sensors/sunspec/sunspec_source.hpp"

#include <cmath>

#include "daemon/core/snapshot.hpp"

namespace hashsink::sensors::sunspec {
namespace {

constexpr std::initializer_list<std::uint16_t> kInverterModels = {101, 102, 103, 111, 112, 113};
constexpr std::initializer_list<std::uint16_t> kMeterModels = {201, 202, 203, 204,
                                                               211, 212, 213, 214};

const DecodedModel* decoded(const std::map<int, DecodedModel>& models, const ModelLocation* loc) {
    if (loc == nullptr) return nullptr;
    auto it = models.find(loc->address);
    return it == models.end() ? nullptr : &it->second;
}

void put_if(Accumulator& out, std::string_view name, std::optional<double> v) {
    if (v && std::isfinite(*v)) out.put(name, *v);
}

// A power point the control depends on: published, or refused with the registers that made it
// absent (a sentinel, a NaN) so the poller says why the signal went stale.
void put_power(Accumulator& out, std::string_view name, const DecodedModel& m, double sign = 1) {
    if (auto w = m.number("W"); w && std::isfinite(*w))
        out.put(name, *w * sign);
    else
        out.reject(name, "model " + std::to_string(m.id) + " " + m.why_absent("W"));
}

}  // namespace

const Settings<SourceConfig>& SunspecSource::settings() {
    static const auto settings =
        Settings<SourceConfig>{}
            .bind(&SourceConfig::host,
                  {.name = "host", .doc = "inverter's address (IP or name)", .required = true})
            .bind(&SourceConfig::port, {.name = "port",
                                        .doc = "Modbus TCP port",
                                        .fallback = std::int64_t{502},
                                        .min = 1,
                                        .max = 65535})
            .bind(&SourceConfig::unit, {.name = "unit",
                                        .doc = "Modbus unit id of the inverter",
                                        .fallback = std::int64_t{1},
                                        .min = 1,
                                        .max = 247})
            .bind(&SourceConfig::meter_unit,
                  {.name = "meter_unit",
                   .doc = "unit id of a meter on the same connection (0: meter models in the "
                          "inverter's chain)",
                   .fallback = std::int64_t{0},
                   .min = 0,
                   .max = 247})
            .bind(&SourceConfig::meter_sign,
                  {.name = "meter_sign",
                   .doc = "-1 flips the meter's power so that + means import",
                   .fallback = std::int64_t{1},
                   .min = -1,
                   .max = 1})
            .bind(&SourceConfig::base_address,
                  {.name = "base_address",
                   .doc = "SunSpec base register (-1: find it at 40000, 50000, 0)",
                   .fallback = std::int64_t{-1},
                   .min = -1,
                   .max = 65534});
    return settings;
}

const KeyTable& SunspecSource::keys() { return settings().keys(); }

SourceConfig SunspecSource::config_from(const Options& options) {
    SourceConfig c = settings().from(options);
    // The range allows 0; anything but -1 means "as the meter says".
    c.meter_sign = c.meter_sign < 0 ? -1 : 1;
    // Every source's own deadline ([[sources]] timeout, config::source_settings()).
    c.timeout = options.get_duration("timeout", c.timeout);
    return c;
}

SunspecSource::SunspecSource(std::string id, SourceConfig config)
    : id_(std::move(id)),
      config_(std::move(config)),
      client_({config_.host, config_.port, config_.unit, config_.timeout}) {}

Status SunspecSource::with_context(Status st) const {
    st.message = "sunspec " + id_ + ": " + st.message;
    return st;
}

Status SunspecSource::collect(TimePoint, Accumulator& out) noexcept {
    client_.set_deadline(std::chrono::steady_clock::now() + config_.timeout * kBudgetFactor);
    // A new connection may be a restarted device with another layout: walk its chains again.
    if (client_.connection_count() != walked_at_connection_) {
        chain_.reset();
        meter_chain_.reset();
    }
    Status st;
    try {
        st = collect_inverter(out);
        if (st && config_.meter_unit > 0) st = collect_meter(out);
    } catch (const std::exception& e) {
        st = Status::error(ErrorCode::io, client_.name() + ": collect: " + e.what(), false);
    }
    client_.clear_deadline();
    client_.set_unit(config_.unit);
    if (!st) {
        // The chain is re-walked after any failure: the device may have changed under us.
        chain_.reset();
        meter_chain_.reset();
        return with_context(st);
    }
    walked_at_connection_ = client_.connection_count();
    return Status::success();
}

Status SunspecSource::collect_inverter(Accumulator& out) {
    if (!chain_) {
        client_.set_unit(config_.unit);
        auto walked = walk_chain(client_, config_.base_address);
        if (!walked) return walked.error();
        chain_ = std::move(*walked);
    }
    client_.set_unit(config_.unit);
    const Chain& c = *chain_;
    const ModelLocation* inv = c.find_any(kInverterModels);
    const ModelLocation* nameplate = c.find(120);
    const ModelLocation* settings = c.find(121);
    const ModelLocation* controls = c.find(123);
    const ModelLocation* mppt = c.find(160);
    const ModelLocation* meter = config_.meter_unit > 0 ? nullptr : c.find_any(kMeterModels);
    std::vector<ModelLocation> wanted;
    for (const auto* loc : {inv, nameplate, settings, controls, mppt, meter})
        if (loc != nullptr) wanted.push_back(*loc);
    if (inv == nullptr && meter == nullptr && config_.meter_unit == 0)
        return Status::error(ErrorCode::unsupported,
                             client_.name() + ": read models: no inverter or meter model in the "
                                              "chain at " + std::to_string(c.base),
                             false);
    auto models = read_models(client_, wanted);
    if (!models) return models.error();

    std::optional<double> dc_power;
    if (const DecodedModel* m = decoded(*models, inv)) {
        put_power(out, signal::kPvAcPowerW, *m);
        put_if(out, signal::kPvState, m->number("St"));
        dc_power = m->number("DCW");
    }
    std::optional<double> rating, wmax;
    if (const DecodedModel* m = decoded(*models, nameplate)) rating = m->number("WRtg");
    if (const DecodedModel* m = decoded(*models, settings)) wmax = m->number("WMax");
    auto max_w = wmax ? wmax : rating;
    put_if(out, signal::kPvRatingW, rating ? rating : wmax);
    if (const DecodedModel* m = decoded(*models, controls)) {
        auto enabled = m->number("WMaxLim_Ena");
        auto pct = m->number("WMaxLimPct");
        if (enabled && *enabled == 1 && pct && max_w) {
            out.put(signal::kPvLimitW, *pct / 100.0 * *max_w);
            out.put(signal::kPvLimitActive, 1);
        } else if (max_w) {
            out.put(signal::kPvLimitW, *max_w);
            out.put(signal::kPvLimitActive, 0);
        }
    } else if (max_w) {
        out.put(signal::kPvLimitW, *max_w);
        out.put(signal::kPvLimitActive, 0);
    }
    if (const DecodedModel* m = decoded(*models, mppt)) {
        double sum = 0;
        bool any = false;
        for (std::size_t k = 0; k < m->groups.size(); ++k) {
            auto w = number(m->groups[k], "DCW");
            if (!w) continue;
            out.put(signal::mppt_dc_power_w(static_cast<int>(k) + 1), *w);
            sum += *w;
            any = true;
        }
        if (!dc_power && any) dc_power = sum;
    }
    put_if(out, signal::kPvDcPowerW, dc_power);
    if (const DecodedModel* m = decoded(*models, meter))
        put_power(out, signal::kGridPowerW, *m, config_.meter_sign);
    return Status::success();
}

Status SunspecSource::collect_meter(Accumulator& out) {
    client_.set_unit(config_.meter_unit);
    if (!meter_chain_) {
        auto walked = walk_chain(client_, config_.base_address);
        if (!walked) return walked.error();
        meter_chain_ = std::move(*walked);
    }
    const ModelLocation* meter = meter_chain_->find_any(kMeterModels);
    if (meter == nullptr)
        return Status::error(ErrorCode::unsupported,
                             client_.name() + ": unit " + std::to_string(config_.meter_unit) +
                                 ": no meter model (201-204, 211-214) in the chain",
                             false);
    auto models = read_models(client_, {*meter});
    if (!models) return models.error();
    if (const DecodedModel* m = decoded(*models, meter))
        put_power(out, signal::kGridPowerW, *m, config_.meter_sign);
    return Status::success();
}

}  // namespace hashsink::sensors::sunspec
