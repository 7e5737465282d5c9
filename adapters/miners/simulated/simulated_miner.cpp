#include "adapters/miners/simulated/simulated_miner.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace hashsink::miners::simulated {
namespace {

struct Preset {
    const char* name;
    double power_w, hashrate_ths;
    Control control;
    double start_delay_s, response_s, idle_w;
};

// Stock figures from the makers' data sheets, rounded; start and response times are typical of
// the firmware (ESP-Miner restarts its ASICs in seconds; an S-series control board brings three
// hashboards up in about a minute).
constexpr Preset kPresets[] = {
    {"bitaxe-gamma", 17, 1.2, Control::levels, 5, 2, 2},
    {"bitaxe-supra", 12, 0.6, Control::levels, 5, 2, 2},
    {"s9", 1320, 13.5, Control::on_off, 60, 5, 10},
    {"s19j-pro", 3050, 104, Control::levels, 60, 8, 20},
    {"s21", 3500, 200, Control::continuous, 60, 8, 25},
    {"s21-hydro", 5360, 335, Control::continuous, 60, 8, 40},
};

Control control_from(const std::string& s, Control fallback) {
    if (s == "levels") return Control::levels;
    if (s == "continuous") return Control::continuous;
    if (s == "on_off") return Control::on_off;
    return fallback;
}

// Underclocked chips run at lower voltage, so hashrate falls slower than power.
constexpr double kHashExponent = 0.7;

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const KeyTable& driver_keys() {
    static const KeyTable table = [] {
        KeyTable t;
        KeySpec model{.name = "model", .type = KeyType::string,
                      .doc = "Preset: bitaxe-gamma, bitaxe-supra, s9 (on/off), s19j-pro (levels), "
                             "s21 and s21-hydro (continuous power target)",
                      .fallback = std::string("s19j-pro")};
        for (const auto& p : kPresets) model.choices.push_back(p.name);
        t.push_back(model);
        t.push_back({.name = "power_w", .type = KeyType::number,
                     .doc = "Stock draw; 0 takes the model's", .unit = "W", .fallback = 0.0,
                     .min = 0.0, .max = 1e5});
        t.push_back({.name = "hashrate_ths", .type = KeyType::number,
                     .doc = "Hashrate at stock; 0 takes the model's", .unit = "TH/s",
                     .fallback = 0.0, .min = 0.0, .max = 1e5});
        KeySpec control{.name = "control", .type = KeyType::string,
                        .doc = "How it takes a target: model (the preset's), levels (frequency "
                               "steps), continuous (a watt target), on_off",
                        .fallback = std::string("model"),
                        .choices = {"model", "levels", "continuous", "on_off"}};
        t.push_back(control);
        t.push_back({.name = "allow_overclock", .type = KeyType::boolean,
                     .doc = "Offer levels above stock (up to +30 %)", .fallback = false});
        t.push_back({.name = "start_delay", .type = KeyType::duration,
                     .doc = "Paused to hashing: time at idle draw before power rises; 0 takes "
                            "the model's",
                     .unit = "s", .fallback = Duration{0}, .min = 0.0, .max = 3600.0});
        t.push_back({.name = "response", .type = KeyType::duration,
                     .doc = "Time constant of a power change while hashing; 0 takes the model's",
                     .unit = "s", .fallback = Duration{0}, .min = 0.0, .max = 600.0});
        t.push_back({.name = "idle_w", .type = KeyType::number,
                     .doc = "Draw while paused; negative takes the model's", .unit = "W",
                     .fallback = -1.0, .min = -1.0, .max = 1e4});
        return t;
    }();
    return table;
}

ModelConfig preset(std::string_view model) {
    const Preset* p = &kPresets[3];
    for (const auto& q : kPresets)
        if (model == q.name) p = &q;
    ModelConfig c;
    c.model = p->name;
    c.power_w = p->power_w;
    c.hashrate_ths = p->hashrate_ths;
    c.control = p->control;
    c.start_delay_s = p->start_delay_s;
    c.response_s = p->response_s;
    c.idle_w = p->idle_w;
    return c;
}

ModelConfig model_config(const Options& given) {
    Options o = with_defaults(driver_keys(), given);
    ModelConfig c = preset(o.get_string("model"));
    if (double p = o.get_number("power_w"); p > 0) {
        // A different stock power scales idle draw with it; hashrate keeps the model's J/TH.
        if (o.get_number("hashrate_ths") <= 0) c.hashrate_ths *= p / c.power_w;
        c.idle_w *= p / c.power_w;
        c.power_w = p;
    }
    if (double h = o.get_number("hashrate_ths"); h > 0) c.hashrate_ths = h;
    c.control = control_from(o.get_string("control"), c.control);
    c.allow_overclock = o.get_bool("allow_overclock");
    if (auto d = seconds(o.get_duration("start_delay")); d > 0) c.start_delay_s = d;
    if (auto d = seconds(o.get_duration("response")); d > 0) c.response_s = d;
    if (double w = o.get_number("idle_w", -1); w >= 0) c.idle_w = w;
    return c;
}

MinerCaps model_caps(const ModelConfig& c) {
    MinerCaps caps;
    caps.can_pause = true;
    caps.idle_power_w = c.idle_w;
    const double f_nom = c.power_w < 100 ? 525 : 650;   // MHz at stock
    const double v_nom = c.power_w < 100 ? 1150 : 1300; // mV at stock
    auto level = [&](double frac) {
        PowerLevel l;
        l.power_w = std::round(c.power_w * frac * 10) / 10;
        double hash_frac = std::pow(frac, kHashExponent);
        l.hashrate_ths = c.hashrate_ths * hash_frac;
        l.frequency_mhz = std::round(f_nom * hash_frac);
        l.core_voltage_mv = std::round(v_nom * std::sqrt(frac / hash_frac));
        return l;
    };
    std::vector<double> fracs;
    switch (c.control) {
        case Control::levels:
            fracs = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
            if (c.allow_overclock) fracs.insert(fracs.end(), {1.1, 1.2, 1.3});
            caps.nominal_level = 5;
            break;
        case Control::continuous:
            fracs = {0.4, 1.0};
            if (c.allow_overclock) fracs.push_back(1.2);
            caps.nominal_level = 1;
            caps.continuous_power = true;
            caps.power_step_w = c.power_w >= 1000 ? 50 : 1;
            break;
        case Control::on_off:
            fracs = {1.0};
            break;
    }
    for (double f : fracs) {
        caps.levels.push_back(level(f));
        if (caps.levels.back().frequency_mhz)
            caps.frequency_options_mhz.push_back(*caps.levels.back().frequency_mhz);
        if (caps.levels.back().core_voltage_mv)
            caps.voltage_options_mv.push_back(*caps.levels.back().core_voltage_mv);
    }
    if (c.control != Control::levels) {
        // Power-target firmwares and stock firmware take no frequency or voltage.
        for (auto& l : caps.levels) l.frequency_mhz.reset(), l.core_voltage_mv.reset();
        caps.frequency_options_mhz.clear();
        caps.voltage_options_mv.clear();
    }
    return caps;
}

MinerModel::MinerModel(ModelConfig config, std::uint64_t seed)
    : config_(std::move(config)), caps_(model_caps(config_)), power_w_(config_.idle_w),
      rng_(seed * 6364136223846793005ULL + 1442695040888963407ULL) {}

void MinerModel::set_target(const MinerTarget& target) {
    if (target.run && phase_ == Phase::paused) {
        phase_ = Phase::starting;
        start_left_s_ = config_.start_delay_s;
    }
    if (!target.run) phase_ = Phase::paused;
    target_ = target;
}

void MinerModel::advance(double dt_s) {
    if (!(dt_s > 0)) return;
    if (phase_ == Phase::starting) {
        start_left_s_ -= dt_s;
        if (start_left_s_ <= 0) phase_ = Phase::hashing;
    }
    double goal = config_.idle_w;
    double tau = 1.0;   // a pause stops the chips within about a second
    if (phase_ == Phase::hashing) {
        goal = std::clamp(target_.power_w, caps_.min_power_w(), caps_.max_power_w());
        tau = config_.response_s;
    }
    power_w_ += (goal - power_w_) * (1 - std::exp(-dt_s / std::max(tau, 1e-3)));
}

double MinerModel::measured_power_w() {
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = static_cast<double>(rng_ >> 11) / static_cast<double>(1ULL << 53);   // [0, 1)
    return power_w_ * (1 + config_.noise_pct / 100 * (2 * u - 1));
}

double MinerModel::hashrate_at(double p) const {
    if (p <= 0 || config_.power_w <= 0) return 0;
    return config_.hashrate_ths * std::pow(p / config_.power_w, kHashExponent);
}

double MinerModel::hashrate_ths() const {
    return phase_ == Phase::hashing ? hashrate_at(power_w_) : 0;
}

MinerState MinerModel::state() {
    MinerState s;
    s.driver = "simulated";
    s.model = config_.model;
    s.firmware = "model";
    s.online = true;
    s.state = phase_ == Phase::paused ? MinerRunState::paused : MinerRunState::mining;
    s.power_w = measured_power_w();
    s.hashrate_ths = hashrate_ths();
    s.frequency_mhz = target_.frequency_mhz;
    s.core_voltage_mv = target_.core_voltage_mv;
    s.caps = caps_;
    return s;
}

SimulatedDriver::SimulatedDriver(std::string id, ModelConfig config)
    : id_(std::move(id)), model_(std::move(config), std::hash<std::string>{}(id_)),
      last_(std::chrono::steady_clock::now()) {}

void SimulatedDriver::catch_up() {
    auto now = std::chrono::steady_clock::now();
    model_.advance(std::chrono::duration<double>(now - last_).count());
    last_ = now;
}

Result<MinerCaps> SimulatedDriver::probe() noexcept { return model_.caps(); }

Result<MinerState> SimulatedDriver::read_state() noexcept {
    catch_up();
    return model_.state();
}

Status SimulatedDriver::apply(const MinerTarget& target) noexcept {
    catch_up();
    model_.set_target(target);
    return {};
}

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options) {
    return std::make_unique<SimulatedDriver>(id, model_config(options));
}

}  // namespace hashsink::miners::simulated
