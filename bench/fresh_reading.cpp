// How fresh a reading the daemon acts on: the real binary (`hashsink run`, default period and
// poll) against the project's emulators on loopback, two AxeOS miners and, in turn, a SunSpec
// meter and a DSE genset controller. N times at a random phase of the tick the meter flips from
// export to import, then the genset's frequency dips; each time the bench measures from the
// upset to the first load-reducing write (a pause or a lower frequency) a miner emulator
// receives. Prints p50, p99 and max in seconds and in periods.
//
//   build/bench/fresh_reading [--flips N] [--binary PATH] [--case meter|genset]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sensors/profiles/profile_catalog.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/modbus_register_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

constexpr double kPeriodS = 1.0;  // the daemon's default [site] period and source poll

// Two AxeOS emulators on loopback: what the daemon writes to and what the bench watches.
struct Fleet {
    miners::axeos::AxeosEmulator gamma{{.board = "gamma", .hostname = "gamma-1", .lag_s = 0.2}};
    miners::axeos::AxeosEmulator supra{{.board = "supra", .hostname = "supra-1", .lag_s = 0.2}};
    std::vector<miners::axeos::AxeosEmulator*> miners{&gamma, &supra};

    bool start() { return gamma.start().ok() && supra.start().ok(); }
    double power_w() const { return gamma.power_w() + supra.power_w(); }
    std::string config() const {
        return "[[miners]]\nid = \"gamma-1\"\ndriver = \"axeos\"\nurl = \"" + gamma.url() +
               "\"\n[[miners]]\nid = \"supra-1\"\ndriver = \"axeos\"\nurl = \"" + supra.url() +
               "\"\n";
    }
    std::size_t writes() const {
        std::size_t n = 0;
        for (const auto* m : miners)
            n += m->request_count("PATCH", "/api/system") +
                 m->request_count("POST", "/api/system/pause") +
                 m->request_count("POST", "/api/system/resume");
        return n;
    }
    // Some miner running and no write for `quiet`: the daemon has settled.
    bool settled(std::chrono::milliseconds quiet, std::chrono::seconds limit) const {
        const auto until = Steady::now() + limit;
        auto last_change = Steady::now();
        std::size_t seen = writes();
        while (Steady::now() < until) {
            std::this_thread::sleep_for(20ms);
            if (writes() != seen) {
                seen = writes();
                last_change = Steady::now();
            }
            const bool running = std::any_of(miners.begin(), miners.end(),
                                             [](const auto* m) { return !m->paused(); });
            if (running && Steady::now() - last_change >= quiet) return true;
        }
        return false;
    }
    // Seconds from upset() to the first write that takes load off (a running miner paused, or
    // a lower frequency); negative when none comes within 10 s.
    template <class Upset>
    double to_first_reducing_write(Upset upset) const {
        std::vector<double> freq;
        std::vector<bool> paused;
        for (const auto* m : miners) {
            freq.push_back(m->frequency());
            paused.push_back(m->paused());
        }
        const auto at = Steady::now();
        upset();
        while (Steady::now() - at < 10s) {
            for (std::size_t i = 0; i < miners.size(); ++i)
                if ((!paused[i] && miners[i]->paused()) || miners[i]->frequency() < freq[i])
                    return std::chrono::duration<double>(Steady::now() - at).count();
            std::this_thread::sleep_for(200us);
        }
        return -1;
    }
};

// One case: the daemon's config beyond the miners, the calm state, the upset to answer.
struct Case {
    std::string name;
    std::string config;
    std::function<void()> calm, upset;
};

// Runs the binary on the case and upsets it n times, each at a random phase of the tick.
std::vector<double> measure(const std::string& binary, Fleet& fleet, const Case& c, int n) {
    const std::string dir = test::temp_dir();
    const int web = test::free_port();
    test::write_file(dir + "/site.toml", "[web]\nlisten = \"127.0.0.1:" + std::to_string(web) +
                                             "\"\n" + c.config + fleet.config());
    c.calm();
    test::Child daemon({binary, "run", "--config", dir + "/site.toml", "--db", dir + "/j.db"},
                       dir + "/daemon.log");
    if (!test::wait_for_port(web, 10s)) {
        std::fprintf(stderr, "fresh_reading: the daemon did not start (log in %s)\n", dir.c_str());
        return {};
    }
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> phase(0, kPeriodS);
    std::vector<double> delays;
    for (int i = 0; i < n; ++i) {
        c.calm();
        if (!fleet.settled(2500ms, 90s)) {
            std::fprintf(stderr, "fresh_reading: %s: no calm before upset %d (log in %s)\n",
                         c.name.c_str(), i, dir.c_str());
            return {};
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(phase(rng)));
        const double d = fleet.to_first_reducing_write(c.upset);
        if (d < 0) {
            std::fprintf(stderr, "fresh_reading: %s: no write after upset %d (log in %s)\n",
                         c.name.c_str(), i, dir.c_str());
            return {};
        }
        delays.push_back(d);
    }
    return delays;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

void print(const std::string& name, const std::vector<double>& delays) {
    const double p50 = percentile(delays, 0.5), p99 = percentile(delays, 0.99),
                 max = percentile(delays, 1.0);
    std::printf("%-36s n=%-3zu p50 %6.3f s  p99 %6.3f s  max %6.3f s\n", name.c_str(),
                delays.size(), p50, p99, max);
    std::printf("%-36s       p50 %6.2f P  p99 %6.2f P  max %6.2f P   (P = period %.1f s)\n", "",
                p50 / kPeriodS, p99 / kPeriodS, max / kPeriodS, kPeriodS);
}

// A SunSpec meter (solar_surplus) flips from 800 W export to 1500 W import: more than the fleet
// draws, so load must come off.
Case meter_case(sensors::sunspec::SunspecEmulator& meter) {
    auto grid = [&meter](double w) { meter.update(test::sunny_inverter(1500, w)); };
    return {"meter: export -> import, to first write",
            "[site]\nmax_draw_w = 500\n[governor]\nmin_dwell = \"1s\"\n"
            "[policy.solar_surplus]\nenable_delay = \"1s\"\nreserve_w = 10\n"
            "[[sources]]\nid = \"meter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\nport = " +
                std::to_string(meter.port()) + "\n",
            [grid] { grid(-800); }, [grid] { grid(1500); }};
}

// A DSE genset controller (genset_follow, 100 W rating, base load 40 W plus the fleet's draw,
// kept up to date by `model`) dips from 50 Hz to 45 Hz: an emergency shed.
Case genset_case(const sensors::RegisterEmulator& controller, std::atomic<double>& hz) {
    return {"genset: 50 -> 45 Hz dip, to first write",
            "[site]\nmax_draw_w = 500\n[policy]\nuse = \"genset_follow\"\n"
            "[policy.genset_follow]\nrating_w = 100\nnominal_frequency_hz = 50\nsettle = \"1s\"\n"
            "restart_delay = \"0s\"\nshed_hold = \"1s\"\n"
            "[[sources]]\nid = \"genset\"\ntype = \"modbus\"\nprofile = \"dse_gencomm\"\n"
            "host = \"127.0.0.1\"\nunit = 10\nport = " +
                std::to_string(controller.port()) + "\n",
            [&hz] { hz = 50; }, [&hz] { hz = 45; }};
}

}  // namespace

int main(int argc, char** argv) {
    int n = 50;
    std::string binary = HASHSINK_BINARY, only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--flips")
            n = std::atoi(argv[i + 1]);
        else if (arg == "--binary")
            binary = argv[i + 1];
        else if (arg == "--case")
            only = argv[i + 1];  // meter or genset
    }
    Fleet fleet;
    sensors::sunspec::SunspecEmulator meter;
    sensors::RegisterEmulator controller({.units = {10}});
    auto profile = sensors::profiles::load_profile("dse_gencomm");
    if (!fleet.start() || !meter.start().ok() || !controller.start().ok() || !profile) {
        std::fprintf(stderr, "fresh_reading: emulators did not start\n");
        return 1;
    }
    // The genset controller's registers follow the fleet's draw and the frequency asked for.
    std::atomic<double> hz{50};
    std::atomic<bool> stop{false};
    std::thread model([&] {
        while (!stop) {
            controller.set_point(10, *profile, "frequency", hz);
            controller.set_point(10, *profile, "total_power", 40 + fleet.power_w());
            controller.set_point(10, *profile, "engine_speed", 1500);
            std::this_thread::sleep_for(50ms);
        }
    });
    std::printf("fresh_reading: %s, %d upsets per case at random phases\n", binary.c_str(), n);
    int status = 0;
    for (const Case& c : {meter_case(meter), genset_case(controller, hz)}) {
        if (!only.empty() && c.name.rfind(only, 0) != 0) continue;
        auto delays = measure(binary, fleet, c, n);
        if (delays.empty()) {
            status = 1;
            continue;
        }
        print(c.name, delays);
    }
    stop = true;
    model.join();
    return status;
}
