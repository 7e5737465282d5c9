// Faults end to end: the real daemon binary against the project's emulators and a real
// mosquitto on loopback, while a miner dies and returns, the daemon is stopped, a broker dies
// and returns, and a config is saved live with a bad value and then a good one. Every check is
// an outcome seen through /api/status, the emulators or the journal; every wait is bounded.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/fault_site.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;
using namespace hashsink::test;

TEST_CASE("faults: a miner that dies is shown offline, the others run on, and it is driven again "
          "when it returns",
          "[e2e][faults]") {
    FaultSite rig;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    auto st = start_until_mining(rig, d, rig.config(d.web_port));

    // m2's port closes: shown offline with the reason, never as its last measurements.
    rig.miner(1).set_offline(true);
    bool others_paused = false;
    st = wait_for(
        rig, d.web_port,
        [](const json& s) {
            const json* m = miner_in(s, "m2");
            return m && (*m)["online"] == false && !(*m)["last_error"].get<std::string>().empty();
        },
        30s,
        [&](const json& s) {
            others_paused = others_paused || !is_mining(s, "m1") || !is_mining(s, "m3");
        });
    INFO(st.dump(2));
    const json* m2 = miner_in(st, "m2");
    REQUIRE(m2);
    REQUIRE((*m2)["online"] == false);
    REQUIRE((*m2)["last_error"].get<std::string>().find("m2") != std::string::npos);
    REQUIRE((*m2)["state"].is_object());
    CHECK((*m2)["state"]["state"] == "offline");
    CHECK((*m2)["state"]["power_w"].is_null());
    CHECK((*m2)["state"]["hashrate_ths"].is_null());
    CHECK((*m2)["state"]["chip_temp_c"].is_null());
    CHECK_FALSE(others_paused);
    // It stays out a little longer: retried with backoff, the others keep running.
    st = wait_for(rig, d.web_port, [&](const json& s) {
        const json* m = miner_in(s, "m2");
        return m && (*m)["consecutive_failures"].get<int>() >= 2;
    }, 30s, [&](const json& s) {
        others_paused = others_paused || !is_mining(s, "m1") || !is_mining(s, "m3");
    });
    CHECK(miner_in(st, "m2")->at("consecutive_failures").get<int>() >= 2);
    CHECK_FALSE(others_paused);

    // It comes back: read again (probe), and commanded again until it runs.
    rig.miner(1).reset_request_counts();
    rig.miner(1).set_offline(false);
    st = wait_for(rig, d.web_port, [](const json& s) { return all_mining(s); }, 40s);
    INFO(st.dump(2));
    REQUIRE(all_mining(st));
    CHECK((*miner_in(st, "m2"))["last_error"] == "");
    CHECK(rig.miner(1).request_count("GET", "/api/system/asic") >= 1);
    CHECK_FALSE(rig.miner(1).paused());

    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    // One outage, one event (not one per retry, nor per target change meanwhile).
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'miner.offline' AND "
                           "subject = 'm2'") == 1);
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'miner.online' AND "
                           "subject = 'm2'") >= 1);
}

TEST_CASE("faults: SIGTERM parks every reachable miner and exits 0", "[e2e][faults]") {
    FaultSite rig;
    // A slow miner: its polls are often in flight when the stop comes.
    rig.miner(2).set_latency_ms(300);
    DaemonChild d;
    const int dead_port = test::free_port();
    INFO("daemon log: " << d.log);
    auto st = start_until_mining(rig, d,
                                 rig.config(d.web_port) +
                                     "[[miners]]\nid = \"gone\"\ndriver = \"axeos\"\n"
                                     "url = \"http://127.0.0.1:" + std::to_string(dead_port) +
                                     "\"\ntimeout = \"300ms\"\n");
    for (auto& m : rig.miners) REQUIRE_FALSE(m->paused());

    d.child->kill(SIGTERM);
    INFO(test::read_file(d.log));
    REQUIRE(d.wait_exit(30s) == 0);
    CHECK(rig.miner(0).paused());
    CHECK(rig.miner(1).paused());
    CHECK(rig.miner(2).paused());
    CHECK(count_rows(d.db, "SELECT count(*) FROM targets WHERE run = 0 AND reason = "
                           "'daemon stopping'") >= 3);
}

TEST_CASE("faults: an MQTT broker that dies degrades its sources only, and they recover",
          "[e2e][faults][mqtt]") {
    FaultSite rig;
    test::Mosquitto mosq;
    REQUIRE(mosq.running());
    const std::string broker = "broker = \"" + mosq.url() + "\"\n";
    DaemonChild d;
    d.start(rig.config(d.web_port,
                       "[[sources]]\nid = \"price\"\ntype = \"mqtt_price\"\n" + broker +
                           "client_id = \"faults-daemon\"\ntopic = \"site/price\"\n"
                           "currency = \"EUR\"\nmessage_max_age = \"3s\"\nmax_age = \"3s\"\n"
                           "[[sources]]\nid = \"tank\"\ntype = \"mqtt_sensor\"\n" + broker +
                           "client_id = \"faults-daemon\"\ntopic = \"site/tank\"\n"
                           "signal = \"heat.tank_temp_c\"\nunit = \"C\"\nmin = -20\nmax = 120\n"
                           "message_max_age = \"3s\"\nmax_age = \"3s\"\n"));
    INFO("daemon log: " << d.log);

    // A publisher of its own (it reconnects by itself when the broker returns).
    transport::MqttSettings pub_settings;
    pub_settings.broker = mosq.url();
    pub_settings.client_id = "faults-publisher";
    pub_settings.status_topic.clear();
    pub_settings.min_backoff = Duration{100};
    pub_settings.max_backoff = Duration{500};
    transport::MqttClient publisher(pub_settings);
    publisher.start();
    auto publish = [&] {
        if (!publisher.connected()) return;
        (void)publisher.publish("site/price", "0.25", 1);
        (void)publisher.publish("site/tank", "55.5", 1);
    };
    auto fresh_value = [](const json& s, const std::string& src, const std::string& signal) {
        const json* m = source_in(s, src);
        return m && (*m)["ok"] == true && (*m)["values"].contains(signal) &&
               (*m)["values"][signal]["stale"] == false;
    };
    auto mqtt_fresh = [&](const json& s) {
        return fresh_value(s, "price", "price.import_per_kwh") &&
               fresh_value(s, "tank", "heat.tank_temp_c");
    };
    auto publishing_wait = [&](const std::function<bool(const json&)>& pred, std::chrono::seconds limit) {
        auto until = Steady::now() + limit;
        json last;
        while (Steady::now() < until) {
            publish();
            last = wait_for(rig, d.web_port, pred, 1s);
            if (pred(last)) break;
        }
        return last;
    };
    auto st = publishing_wait([&](const json& s) { return mqtt_fresh(s) && all_mining(s); }, 60s);
    INFO(st.dump(2));
    REQUIRE(mqtt_fresh(st));
    REQUIRE(all_mining(st));

    // The broker dies: both MQTT sources show it, the loop and the inverter go on.
    mosq.stop();
    bool stopped_mining = false;
    st = wait_for(
        rig, d.web_port,
        [](const json& s) {
            for (const char* id : {"price", "tank"}) {
                const json* m = source_in(s, id);
                if (!m || (*m)["ok"] == true || (*m)["last_error"] == "") return false;
                for (const auto& [name, v] : (*m)["values"].items())
                    if (v["stale"] == false) return false;
            }
            return true;
        },
        40s, [&](const json& s) { stopped_mining = stopped_mining || !all_mining(s); });
    INFO(st.dump(2));
    REQUIRE(source_in(st, "price"));
    CHECK((*source_in(st, "price"))["ok"] == false);
    CHECK((*source_in(st, "tank"))["ok"] == false);
    CHECK((*source_in(st, "inverter"))["ok"] == true);
    CHECK(st["decision"]["fail_safe"] == false);
    CHECK_FALSE(stopped_mining);
    const auto tick_down = tick_of(st);
    st = wait_for(rig, d.web_port, [&](const json& s) { return tick_of(s) >= tick_down + 5; }, 20s);
    CHECK(tick_of(st) >= tick_down + 5);

    // The broker returns on the same port: the sources reconnect and read again.
    REQUIRE(mosq.start());
    st = publishing_wait(mqtt_fresh, 90s);
    INFO(st.dump(2));
    CHECK(mqtt_fresh(st));
    CHECK(all_mining(st));

    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'source.down' AND "
                           "subject IN ('price', 'tank')") >= 1);
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'source.up' AND "
                           "subject IN ('price', 'tank')") >= 1);
}

TEST_CASE("faults: a live config with a bad value is refused at its field, a good one applies "
          "without a restart",
          "[e2e][faults][web]") {
    FaultSite rig;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    auto st = start_until_mining(rig, d, rig.config(d.web_port));
    const double planned_w = st["planned_w"].get<double>();
    REQUIRE(planned_w > 30);

    test::Browser admin(d.web_port, 30s);
    // The setup code, as the installer finds it: in the daemon's log.
    const std::string code = test::setup_code_in(test::read_file(d.log));
    REQUIRE(code.size() == 11);
    REQUIRE(admin.post("/api/setup", json{{"password", "correct horse"}, {"setup_code", code}})
                ->status == 200);
    auto got = admin.get("/api/config");
    REQUIRE(got);
    REQUIRE(got->status == 200);
    const json cfg = json::parse(got->body)["config"];
    const std::string file_before = test::read_file(d.config_path);

    // A bad value: refused, named at its key path; the file and the loop are untouched.
    json bad = cfg;
    bad["site"]["max_draw_w"] = -5;
    auto r = admin.post("/api/config", json{{"config", bad}});
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 422);
    std::set<std::string> paths;
    const json refused = json::parse(r->body);
    for (const auto& e : refused["errors"]) paths.insert(e["path"].get<std::string>());
    CHECK(paths.count("site.max_draw_w") == 1);
    CHECK(test::read_file(d.config_path) == file_before);
    const auto tick_after_bad = tick_of(*status_of(d.web_port));
    bool paused_meanwhile = false;
    st = wait_for(rig, d.web_port, [&](const json& s) { return tick_of(s) >= tick_after_bad + 5; },
                  20s, [&](const json& s) { paused_meanwhile = paused_meanwhile || !all_mining(s); });
    CHECK(tick_of(st) >= tick_after_bad + 5);
    CHECK_FALSE(paused_meanwhile);
    CHECK(all_mining(st));

    // A good change: a lower cap, applied by the running daemon (same process, ticks go on).
    json good = cfg;
    good["site"]["max_draw_w"] = 30;
    r = admin.post("/api/config", json{{"config", good}});
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    CHECK(json::parse(r->body)["ok"] == true);
    const auto tick_at_save = tick_of(*status_of(d.web_port));
    st = wait_for(rig, d.web_port, [&](const json& s) {
        return s["planned_w"].get<double>() <= 30 && tick_of(s) > tick_at_save;
    }, 30s);
    INFO(st.dump(2));
    CHECK(st["planned_w"].get<double>() <= 30);
    CHECK(tick_of(st) > tick_at_save);
    CHECK(d.child->running());
    CHECK(test::read_file(d.config_path).find("max_draw_w = 30") != std::string::npos);

    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'config.applied'") >= 1);
}

TEST_CASE(
    "faults: a journal file that is not a database is moved aside, and the daemon runs on a "
    "fresh one",
    "[e2e][faults]") {
    FaultSite rig;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    const std::string garbage(4096, '\x7f');
    test::write_file(d.db, garbage);  // overwritten by something else
    start_until_mining(rig, d, rig.config(d.web_port));
    // Said in the log and recorded as an event in the new journal; the old file is kept.
    const std::string log = test::read_file(d.log);
    CHECK(log.find("moved aside to " + d.db + ".unusable-") != std::string::npos);
    auto until = Steady::now() + 20s;
    while (count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'journal.set_aside'") < 1 &&
           Steady::now() < until)
        std::this_thread::sleep_for(200ms);
    CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = 'journal.set_aside'") == 1);
    bool kept = false;
    for (const auto& e : std::filesystem::directory_iterator(d.dir))
        kept = kept || (e.path().string().find(".unusable-") != std::string::npos &&
                        test::read_file(e.path().string()) == garbage);
    CHECK(kept);
}
