// Small traces and fleets for simulator tests (header-only: only tests that link hashsink_sim
// include it).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "daemon/loop/allocator.hpp"
#include "sim/simulator.hpp"

namespace hashsink::test {

inline sim::Trace trace_of(const std::string& text) {
    auto t = sim::parse_trace(text, "test");
    REQUIRE(t.has_value());
    return *t;
}

// The message of a trace that must not parse.
inline std::string trace_error(const std::string& text) {
    auto t = sim::parse_trace(text, "t.csv");
    REQUIRE_FALSE(t.has_value());
    return t.error().message;
}

// One miner that only switches on and off, with no idle draw and (almost) no lag, so
// energies are hand-computable.
inline sim::SimSettings one_miner(double power_w) {
    sim::SimSettings s;
    s.policy = "solar_surplus";
    s.loop.limits.min_dwell = Duration{0};
    sim::SimMiner m;
    m.id = "m";
    m.model = miners::simulated::preset("s9");
    m.model.power_w = power_w;
    m.model.hashrate_ths = power_w / 100;   // 100 J/TH
    m.model.idle_w = 0;
    m.model.start_delay_s = 0;
    m.model.response_s = 0.001;
    s.miners.push_back(m);
    return s;
}

// Runs every miner at its top level all the time, or switches on a fixed period.
class FixedController final : public sim::Controller {
public:
    explicit FixedController(double toggle_s = 0) : toggle_s_(toggle_s) {}
    std::string name() const override { return "fixed"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        std::vector<MinerTarget> out;
        const double t = static_cast<double>(unix_ms(snap.now)) / 1000;
        const bool on = toggle_s_ <= 0 || static_cast<long>(t / toggle_s_) % 2 == 0;
        for (const auto& m : snap.miners) {
            auto levels = loop::allowed_levels(m);
            out.push_back(on ? loop::run_at(m, levels, levels.size() - 1) : loop::paused_target());
        }
        return out;
    }

private:
    double toggle_s_;
};

}  // namespace hashsink::test
