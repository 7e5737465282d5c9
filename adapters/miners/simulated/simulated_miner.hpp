// A simulated miner: capabilities from a model preset, power and hashrate that follow the target
// with a start delay and a first-order lag. The `simulated` driver runs it in real time under
// `hashsink run`; `hashsink simulate` steps the same model on the trace's clock. See README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/miner.hpp"
#include "daemon/core/options.hpp"

namespace hashsink::miners::simulated {

enum class Control { levels, continuous, on_off };

struct ModelConfig {
    std::string model = "s19j-pro";
    double power_w = 3050;          // stock draw
    double hashrate_ths = 104;      // at stock
    Control control = Control::levels;
    bool allow_overclock = false;
    double start_delay_s = 60;      // paused -> hashing: boards initialise at idle draw
    double response_s = 8;          // time constant of a power change while hashing
    double idle_w = 20;             // draw while paused
    double noise_pct = 0.5;         // measured power wobbles by up to this much
};

// Keys of the "simulated" driver: model, power_w, hashrate_ths, control, allow_overclock,
// start_delay, response, idle_w.
const KeyTable& driver_keys();
// Model from validated options; a model's defaults fill what the options leave at 0.
ModelConfig model_config(const Options& options);
// The preset of a model name ("bitaxe-gamma", "s19j-pro", ...); s19j-pro when unknown.
ModelConfig preset(std::string_view model);

// Capabilities the model offers (levels ascending, continuous range, pause).
MinerCaps model_caps(const ModelConfig& config);

class MinerModel {
public:
    MinerModel(ModelConfig config, std::uint64_t seed);

    const ModelConfig& config() const { return config_; }
    const MinerCaps& caps() const { return caps_; }
    void set_target(const MinerTarget& target);
    const MinerTarget& target() const { return target_; }
    // Moves the model forward by dt seconds.
    void advance(double dt_s);
    double power_w() const { return power_w_; }         // true draw
    double measured_power_w();                           // with meter noise
    double hashrate_ths() const;
    bool hashing() const { return phase_ == Phase::hashing; }
    MinerState state();

private:
    enum class Phase { paused, starting, hashing };
    double hashrate_at(double power_w) const;

    ModelConfig config_;
    MinerCaps caps_;
    MinerTarget target_;
    Phase phase_ = Phase::paused;
    double start_left_s_ = 0;
    double power_w_;
    std::uint64_t rng_;
};

// The driver: the model advanced on the wall clock at every call.
class SimulatedDriver final : public MinerDriver {
public:
    SimulatedDriver(std::string id, ModelConfig config);
    std::string_view driver_name() const override { return "simulated"; }
    Result<MinerCaps> probe() noexcept override;
    Result<MinerState> read_state() noexcept override;
    Status apply(const MinerTarget& target) noexcept override;

private:
    void catch_up();
    std::string id_;
    MinerModel model_;
    std::chrono::steady_clock::time_point last_;
};

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options);

}  // namespace hashsink::miners::simulated
