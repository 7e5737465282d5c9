// The demo's physical site: a solar day (replayed from real data), a house, an inverter that
// clips at its rating, and emulated miners whose draw closes the loop through the grid meter.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulators/miners/avalon/avalon_emulator.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/miners/shelly/shelly_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"

namespace hashsink::app {

std::string_view demo_solar_day_csv();   // generated from data/demo/solar_day.csv

struct TracePoint {
    double minute = 0;       // minute of the day
    double pv_w = 0;
    double house_w = 0;
};
// Parses the demo's CSV (minute,pv_ac_w,house_load_w). Bad rows are an error naming the line.
Result<std::vector<TracePoint>> parse_demo_trace(std::string_view csv);

struct DemoSiteOptions {
    double speed = 60;              // site minutes per real minute
    double start_minute = 6 * 60;   // where the day starts
    double pv_scale = 0.16;         // the trace is a 4.6 kW array; the demo's is ~740 W
    double house_scale = 0.08;      // the trace is a whole house; the demo's base load is smaller
    double inverter_rating_w = 600;
    std::vector<std::string> boards = {"gamma", "gamma", "gamma", "supra", "supra", "hex"};
    bool avalon = true;             // an Avalon Nano-class miner (70/100/140 W work modes)
    double plug_miner_w = 110;      // a miner with no API behind a Shelly plug; 0: none
};

class DemoSite {
public:
    explicit DemoSite(DemoSiteOptions options);
    ~DemoSite();
    Status start();
    void stop();

    int inverter_port() const { return inverter_.port(); }
    std::vector<std::string> miner_urls() const;           // the AxeOS miners
    const std::vector<std::string>& miner_ids() const { return ids_; }
    // One [[miners]] table per miner, every family, as a user would write it.
    std::string miners_toml() const;
    std::size_t miner_count() const;
    double site_minute() const { return minute_.load(); }
    double pv_ac_w() const { return pv_ac_w_.load(); }
    double grid_w() const { return grid_w_.load(); }

private:
    void run();
    void step(double minute);

    DemoSiteOptions options_;
    std::vector<TracePoint> trace_;
    sensors::sunspec::SunspecEmulator inverter_;
    std::vector<std::unique_ptr<miners::axeos::AxeosEmulator>> miners_;
    std::unique_ptr<miners::avalon::AvalonEmulator> avalon_;
    std::unique_ptr<miners::shelly::ShellyEmulator> plug_;
    std::vector<std::string> ids_;
    std::atomic<bool> stopping_{false};
    std::atomic<double> minute_{0}, pv_ac_w_{0}, grid_w_{0};
    double lifetime_wh_ = 0, import_wh_ = 0, export_wh_ = 0;
    std::thread thread_;
};

}  // namespace hashsink::app
