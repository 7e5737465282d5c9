#include "daemon/cli/demo_site.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace hashsink::app {
namespace {

std::optional<double> to_double(std::string_view s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

TracePoint at_minute(const std::vector<TracePoint>& trace, double minute) {
    if (minute <= trace.front().minute) return trace.front();
    if (minute >= trace.back().minute) return trace.back();
    auto hi = std::lower_bound(trace.begin(), trace.end(), minute,
                               [](const TracePoint& p, double m) { return p.minute < m; });
    auto lo = hi - 1;
    double f = (minute - lo->minute) / (hi->minute - lo->minute);
    return {minute, lo->pv_w + f * (hi->pv_w - lo->pv_w), lo->house_w + f * (hi->house_w - lo->house_w)};
}

}  // namespace

Result<std::vector<TracePoint>> parse_demo_trace(std::string_view csv) {
    std::vector<TracePoint> out;
    std::size_t line_no = 0, pos = 0;
    while (pos < csv.size()) {
        std::size_t end = csv.find('\n', pos);
        if (end == std::string_view::npos) end = csv.size();
        std::string_view line = csv.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line_no == 1 || line.empty()) continue;   // header
        std::string_view cols[3];
        std::size_t start = 0;
        for (int c = 0; c < 3; ++c) {
            std::size_t comma = line.find(',', start);
            cols[c] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            start = comma == std::string_view::npos ? line.size() : comma + 1;
        }
        auto m = to_double(cols[0]), pv = to_double(cols[1]), house = to_double(cols[2]);
        if (!m || !pv || !house)
            return Status::error(ErrorCode::invalid, "demo trace line " + std::to_string(line_no) +
                                                         ": expected minute,pv_ac_w,house_load_w numbers", false);
        if (!out.empty() && *m <= out.back().minute)
            return Status::error(ErrorCode::invalid, "demo trace line " + std::to_string(line_no) +
                                                         ": minutes must increase", false);
        out.push_back({*m, std::max(0.0, *pv), std::max(0.0, *house)});
    }
    if (out.size() < 2) return Status::error(ErrorCode::invalid, "demo trace: fewer than two rows", false);
    return out;
}

DemoSite::DemoSite(DemoSiteOptions options)
    : options_(std::move(options)),
      inverter_([] {
          sensors::sunspec::EmulatorOptions o;
          o.model = "demo balcony inverter";
          return o;
      }()) {
    int n = 0;
    for (const auto& board : options_.boards) {
        miners::axeos::EmulatorConfig c;
        c.board = board;
        c.hostname = board + "-" + std::to_string(++n);
        c.paused = true;   // parked, as the daemon leaves them: the first tick does not stop them
        ids_.push_back(c.hostname);
        miners_.push_back(std::make_unique<miners::axeos::AxeosEmulator>(c));
    }
    if (options_.avalon) {
        // Avalon Nano 3-class: low / medium / high work modes.
        miners::avalon::EmulatorConfig c;
        c.mode_power_w[0] = 70;
        c.mode_power_w[1] = 100;
        c.mode_power_w[2] = 140;
        c.mode_ths[0] = 2.1;
        c.mode_ths[1] = 3.0;
        c.mode_ths[2] = 4.0;
        c.idle_power_w = 3;
        c.idle = true;              // asleep before sunrise
        c.switch_delay_ms = 1000;
        c.ramp_s = 5;
        avalon_ = std::make_unique<miners::avalon::AvalonEmulator>(c);
    }
    if (options_.plug_miner_w > 0) {
        miners::shelly::EmulatorConfig c;
        c.miner_power_w = options_.plug_miner_w;
        c.boot_s = 5;
        c.on = false;
        plug_ = std::make_unique<miners::shelly::ShellyEmulator>(c);
    }
}

DemoSite::~DemoSite() { stop(); }

Status DemoSite::start() {
    auto trace = parse_demo_trace(demo_solar_day_csv());
    if (!trace) return trace.error();
    trace_ = std::move(*trace);
    minute_ = options_.start_minute;
    step(options_.start_minute);
    if (auto st = inverter_.start(); !st) return st;
    for (auto& m : miners_)
        if (auto st = m->start(); !st) return st;
    if (avalon_)
        if (auto st = avalon_->start(); !st) return st;
    if (plug_)
        if (auto st = plug_->start(); !st) return st;
    thread_ = std::thread([this] { run(); });
    return {};
}

void DemoSite::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& m : miners_) m->stop();
    if (avalon_) avalon_->stop();
    if (plug_) plug_->stop();
    inverter_.stop();
}

std::vector<std::string> DemoSite::miner_urls() const {
    std::vector<std::string> urls;
    for (const auto& m : miners_) urls.push_back(m->url());
    return urls;
}

std::size_t DemoSite::miner_count() const {
    return miners_.size() + (avalon_ ? 1 : 0) + (plug_ ? 1 : 0);
}

std::string DemoSite::miners_toml() const {
    std::string toml;
    for (std::size_t i = 0; i < miners_.size(); ++i) {
        toml += "\n[[miners]]\nid = \"" + ids_[i] + "\"\ndriver = \"axeos\"\nurl = \"" +
                miners_[i]->url() + "\"\nallow_overclock = true\n";
    }
    if (avalon_) {
        toml += "\n[[miners]]\nid = \"avalon-nano\"\ndriver = \"avalon\"\nhost = \"" +
                avalon_->host() + "\"\nport = " + std::to_string(avalon_->port()) +
                "\neco_power_w = 70\npower_w = 100\nsuper_power_w = 140\nidle_power_w = 3\n"
                "hashrate_ths = 3.0\n";
    }
    if (plug_) {
        char w[32];
        std::snprintf(w, sizeof w, "%.0f", options_.plug_miner_w);
        toml += "\n[[miners]]\nid = \"plugged-miner\"\ndriver = \"shelly\"\nurl = \"" +
                plug_->url() + "\"\npower_w = " + w + "\nhashrate_ths = 1.1\n";
    }
    return toml;
}

void DemoSite::step(double minute) {
    const double span = trace_.back().minute - trace_.front().minute;
    // The day loops: after sunset comes the next sunrise.
    double m = trace_.front().minute + std::fmod(minute - trace_.front().minute, span);
    TracePoint p = at_minute(trace_, m);
    const double available_w = p.pv_w * options_.pv_scale;      // what the panels could give
    const double efficiency = 0.97;
    const double rating = options_.inverter_rating_w;
    double ac = std::min(available_w * efficiency, rating);
    double miners_w = 0;
    for (const auto& e : miners_) miners_w += e->power_w();
    if (avalon_) miners_w += avalon_->power_w();
    if (plug_) miners_w += plug_->power_w();
    const double house = p.house_w * options_.house_scale;
    const double grid = house + miners_w - ac;

    sensors::sunspec::InverterImage img;
    img.rating_w = rating;
    img.wmax_w = rating;
    img.ac_power_w = ac;
    img.dc_power_w = ac > 0 ? ac / efficiency : 0;
    img.mppt_dc_w = {img.dc_power_w * 0.55, img.dc_power_w * 0.45};
    img.state = available_w < 1 ? InverterState::sleeping
                : available_w * efficiency > rating ? InverterState::throttled
                                                    : InverterState::mppt;
    img.grid_power_w = grid;
    img.frequency_hz = 50 + 0.02 * std::sin(m);
    img.ac_voltage_v = 230 + 2 * std::sin(m / 7);
    img.lifetime_wh = lifetime_wh_;
    img.meter_import_wh = import_wh_;
    img.meter_export_wh = export_wh_;
    inverter_.update(img);

    minute_ = m;
    pv_ac_w_ = ac;
    grid_w_ = grid;
}

void DemoSite::run() {
    using clock = std::chrono::steady_clock;
    auto started = clock::now();
    auto last = started;
    while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto now = clock::now();
        double real_s = std::chrono::duration<double>(now - started).count();
        double dt_h = std::chrono::duration<double>(now - last).count() * options_.speed / 3600.0;
        last = now;
        lifetime_wh_ += pv_ac_w_.load() * dt_h;
        double g = grid_w_.load();
        (g > 0 ? import_wh_ : export_wh_) += std::abs(g) * dt_h;
        step(options_.start_minute + real_s * options_.speed / 60.0);
    }
}

}  // namespace hashsink::app
