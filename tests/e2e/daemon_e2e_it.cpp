// The daemon end to end: the real binary against the project's emulators on loopback, checked
// through /api/status and the SQLite journal it leaves behind.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/small_site.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using nlohmann::json;
using hashsink::test::count_rows;

namespace {

struct Site {
    sensors::sunspec::SunspecEmulator inverter;
    miners::axeos::AxeosEmulator gamma{{.board = "gamma", .hostname = "gamma-1"}};
    miners::axeos::AxeosEmulator supra{{.board = "supra", .hostname = "supra-1"}};

    Site() {
        REQUIRE(inverter.start());
        REQUIRE(gamma.start());
        REQUIRE(supra.start());
    }
    void sun(double pv_w, double house_w) {
        inverter.update(
            test::sunny_inverter(pv_w, house_w + gamma.power_w() + supra.power_w() - pv_w));
    }
};

std::string config_for(const Site& site, int web_port) {
    return "[site]\nmax_draw_w = 500\nperiod = \"500ms\"\nminer_poll_interval = \"1s\"\n"
           "[governor]\nmin_dwell = \"1s\"\n" +
           std::string(test::kPromptJournal) +
           "[web]\nlisten = \"127.0.0.1:" + std::to_string(web_port) +
           "\"\n"
           "[policy.solar_surplus]\nenable_delay = \"1s\"\nreserve_w = 10\n"
           "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(site.inverter.port()) +
           "\nmax_age = \"2s\"\ntimeout = \"500ms\"\n"
           "[[miners]]\nid = \"gamma-1\"\ndriver = \"axeos\"\nurl = \"" +
           site.gamma.url() +
           "\"\nallow_overclock = true\n"
           "[[miners]]\nid = \"supra-1\"\ndriver = \"axeos\"\nurl = \"" +
           site.supra.url() + "\"\n";
}

// Polls the status until pred holds (bounded), feeding the site model meanwhile.
template <class Pred>
std::optional<json> wait_status(Site& site, int port, double pv, Pred pred, std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::optional<json> last;
    while (std::chrono::steady_clock::now() < until) {
        site.sun(pv, 100);
        last = test::get_json(port, "/api/status", 2s);
        if (last && pred(*last)) return last;
        std::this_thread::sleep_for(200ms);
    }
    return last;
}

}  // namespace

TEST_CASE("daemon follows the surplus, records it, and goes safe when the meter dies", "[e2e]") {
    Site site;
    site.sun(600, 100);
    const std::string dir = test::temp_dir();
    const std::string cfg = dir + "/site.toml", db = dir + "/journal.db";
    const int web = test::free_port();
    test::write_file(cfg, config_for(site, web));

    test::Child daemon({HASHSINK_BINARY, "run", "--config", cfg, "--db", db}, dir + "/daemon.log");
    INFO("daemon log: " << dir << "/daemon.log");
    REQUIRE(test::wait_for_port(web, 10s));

    // 500 W of export: both miners run, within a few ticks of the enable delay.
    auto st = wait_status(site, web, 600, [](const json& s) {
        int mining = 0;
        for (const auto& m : s["miners"])
            if (m["state"].is_object() && m["state"]["state"] == "mining" && m["target"]["run"] == true &&
                m["target_applied"] == true)
                ++mining;
        return mining == 2;
    }, 30s);
    REQUIRE(st);
    INFO(st->dump(2));
    REQUIRE((*st)["decision"]["policy"] == "solar_surplus");
    REQUIRE((*st)["decision"]["fail_safe"] == false);
    REQUIRE((*st)["sources"][0]["ok"] == true);
    REQUIRE((*st)["sources"][0]["values"].contains("grid.power_w"));
    REQUIRE((*st)["miners"][0]["caps"]["levels"].size() > 1);
    REQUIRE_FALSE(site.gamma.paused());
    // Overclock allowed on gamma-1 and the sun is generous: above stock frequency.
    auto gamma_target = (*st)["miners"][0]["target"];
    REQUIRE(gamma_target["frequency_mhz"].get<double>() > 490);
    const auto ticks_before = (*st)["tick"].get<std::uint64_t>();
    REQUIRE(ticks_before >= 3);

    // The fleet can be mining on the first reading; a second one is journalled before the meter
    // goes quiet.
    REQUIRE(test::eventually([&] {
        return count_rows(db, "SELECT count(*) FROM readings WHERE signal = 'grid.power_w'") >= 2;
    }));

    // The meter goes quiet: after max_age the loop puts the fleet in its safe state (paused).
    site.inverter.stop();
    st = wait_status(site, web, 600, [](const json& s) {
        return s["decision"]["fail_safe"] == true && s["miners"][0]["target"]["run"] == false &&
               s["miners"][0]["target_applied"] == true && s["miners"][1]["target_applied"] == true;
    }, 20s);
    REQUIRE(st);
    REQUIRE((*st)["decision"]["fail_safe"] == true);
    REQUIRE((*st)["sources"][0]["ok"] == false);
    REQUIRE(site.gamma.paused());
    REQUIRE(site.supra.paused());

    daemon.kill(SIGTERM);
    REQUIRE(daemon.wait() == 0);

    // The journal has the whole story.
    REQUIRE(count_rows(db, "SELECT count(*) FROM decisions") >= static_cast<std::int64_t>(ticks_before));
    REQUIRE(count_rows(db, "SELECT count(*) FROM decisions WHERE fail_safe = 1") >= 1);
    REQUIRE(count_rows(db, "SELECT count(*) FROM readings WHERE signal = 'grid.power_w'") >= 2);
    REQUIRE(count_rows(db, "SELECT count(*) FROM miner_states WHERE miner_id = 'gamma-1'") >= 2);
    REQUIRE(count_rows(db, "SELECT count(*) FROM targets WHERE run = 1 AND result = 'ok'") >= 2);
    REQUIRE(count_rows(db, "SELECT count(*) FROM events WHERE code = 'source.down'") >= 1);
    REQUIRE(count_rows(db, "SELECT count(*) FROM events WHERE code = 'loop.fail_safe'") >= 1);
}

TEST_CASE("run refuses a bad config with exit 78 and the checker's messages", "[e2e]") {
    const std::string dir = test::temp_dir();
    test::write_file(dir + "/bad.toml", "[site]\nmax_draw_w = -5\n");
    auto r = test::run({HASHSINK_BINARY, "run", "--config", dir + "/bad.toml"});
    REQUIRE(r.exit_code == 78);
    REQUIRE(r.err.find("bad.toml:2:") != std::string::npos);
    REQUIRE(r.err.find("site.max_draw_w") != std::string::npos);
}
