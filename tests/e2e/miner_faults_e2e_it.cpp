// Miner faults end to end: the real daemon binary against the inverter emulator and three AxeOS
// emulators on loopback, while m2 answers HTTP 500, cuts its JSON short, accepts and never
// answers, acknowledges a write it does not carry out, or reboots in the middle of a command;
// and a config with two miners at one address. Each case checks, through /api/status, the
// emulators, the daemon's log and the journal's events: the loop keeps its period, the plan and
// what the emulated miners really draw stay within the site's max_draw_w, the fault shows, and
// the miner is driven again once the fault is gone, without a restart.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

// Tight enough to bind: three Gamma boards draw 13 to 19 W each.
constexpr double kBudgetW = 45;
constexpr auto kPeriod = 300ms;  // FaultSite's [site] period

// What every case watches while its fault lasts: the pace of the ticks, and the most the fleet
// planned and the most the emulated miners really drew (the meter's view, not the daemon's).
struct Watch {
    FaultSite& site;
    Steady::time_point first_at{}, changed_at{}, last_at{};
    std::uint64_t first_tick = 0, last_tick = 0;
    Steady::duration longest_stall{};
    double most_planned_w = 0, most_drawn_w = 0;

    void operator()(const json& s) {
        const auto now = Steady::now();
        const auto tick = tick_of(s);
        if (first_at == Steady::time_point{}) {
            first_at = changed_at = now;
            first_tick = last_tick = tick;
        }
        if (tick != last_tick) {
            longest_stall = std::max(longest_stall, now - changed_at);
            changed_at = now;
            last_tick = tick;
        }
        last_at = now;
        most_planned_w = std::max(most_planned_w, s.value("planned_w", 0.0));
        double drawn_w = 0;
        for (const auto& m : site.miners) drawn_w += m->power_w();
        most_drawn_w = std::max(most_drawn_w, drawn_w);
    }
    std::function<void(const json&)> fn() {
        return [this](const json& s) { (*this)(s); };
    }
    // Ticks per period over what was watched (1 at the configured pace; more when new data
    // wakes the loop early).
    double pace() const {
        const double elapsed = std::chrono::duration<double>(last_at - first_at).count();
        const double periods = elapsed / std::chrono::duration<double>(kPeriod).count();
        return periods <= 0 ? 0 : static_cast<double>(last_tick - first_tick) / periods;
    }
};

// (a) and (b): the loop kept its period throughout (status polled every ~150 ms, so a stall
// shorter than three periods can hide; none longer), and neither the plan nor the real draw
// went over the budget (the real draw may lag a plan's change by the emulated 0.2 s ramp).
void check_period_and_budget(const Watch& w) {
    INFO("pace " << w.pace() << " ticks per period, longest stall "
                 << std::chrono::duration<double>(w.longest_stall).count() << " s");
    CHECK(w.last_at - w.first_at >= 1500ms);
    CHECK(w.pace() >= 0.7);
    CHECK(w.longest_stall < 3 * kPeriod);
    CHECK(w.most_planned_w <= kBudgetW + 1e-6);
    CHECK(w.most_drawn_w <= kBudgetW + 2);
}

std::string text_of(const json* m, const char* key) {
    return m && (*m)[key].is_string() ? (*m)[key].get<std::string>() : std::string{};
}

bool offline_for(const json& s, const std::string& id, const std::string& cause) {
    const json* m = miner_in(s, id);
    return m && (*m)["online"] == false &&
           text_of(m, "last_error").find(cause) != std::string::npos;
}

std::int64_t events_of(const std::string& db, const std::string& code, const std::string& id,
                       const std::string& cause) {
    return count_rows(db, "SELECT count(*) FROM events WHERE code = '" + code +
                              "' AND subject = '" + id + "' AND message LIKE '%" + cause + "%'");
}

// Runs `body` on the site under a budget that binds, the daemon on it, every miner mining.
void on_budgeted_site(const std::function<void(FaultSite&, DaemonChild&)>& body) {
    FaultSite rig;
    rig.max_draw_w = kBudgetW;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    start_until_mining(rig, d, rig.config(d.web_port));
    body(rig, d);
}

void stop(DaemonChild& d) {
    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
}

// A fault on m2 that makes its reads fail: it must show offline naming `cause`, be retried with
// backoff while the others mine on within the budget (m2 may still be hashing: its last known
// draw stays counted), and mine again once `set_fault(false)` clears it.
void check_read_fault(const std::function<void(miners::axeos::AxeosEmulator&, bool)>& set_fault,
                      const std::string& cause) {
    on_budgeted_site([&](FaultSite& rig, DaemonChild& d) {
        Watch w{rig};
        // m2 keeps its last known draw counted, so m1 or m3 may have to give way within the
        // budget; but the fleet goes on: one of them always mines.
        bool fleet_stopped = false;
        double oldest_other_s = 0;  // m2's trouble does not hold up reading the others
        auto watch = [&](const json& s) {
            w(s);
            for (const char* id : {"m1", "m3"})
                oldest_other_s = std::max(oldest_other_s, miner_in(s, id)->value("age_s", 0.0));
            fleet_stopped = fleet_stopped || (miner_in(s, "m1")->at("state")["state"] != "mining" &&
                                              miner_in(s, "m3")->at("state")["state"] != "mining");
        };
        set_fault(rig.miner(1), true);
        auto st = wait_for(
            rig, d.web_port, [&](const json& s) { return offline_for(s, "m2", cause); }, 20s,
            watch);
        INFO(st.dump(2));
        REQUIRE(offline_for(st, "m2", cause));
        const json& m2 = *miner_in(st, "m2");
        CHECK(m2["state"]["state"] == "offline");
        CHECK(m2["state"]["power_w"].is_null());
        // Retried with backoff, not given up on, the others untouched.
        st = wait_for(
            rig, d.web_port,
            [](const json& s) { return miner_in(s, "m2")->value("consecutive_failures", 0) >= 2; },
            20s, watch);
        CHECK(miner_in(st, "m2")->value("consecutive_failures", 0) >= 2);
        CHECK_FALSE(fleet_stopped);
        CHECK(oldest_other_s < 2.5);  // polled every second
        check_period_and_budget(w);

        // (d) The fault clears: m2 is read and driven again, same process.
        const int pid = d.child->pid();
        set_fault(rig.miner(1), false);
        st = wait_for(rig, d.web_port, all_mining, 20s, w.fn());
        INFO(st.dump(2));
        CHECK(all_mining(st));
        CHECK(text_of(miner_in(st, "m2"), "last_error").empty());
        CHECK(d.child->pid() == pid);
        CHECK(d.child->running());
        check_period_and_budget(w);

        stop(d);
        const std::string log = read_file(d.log);
        CHECK(log.find("m2: offline: ") != std::string::npos);
        CHECK(log.find(cause) != std::string::npos);
        CHECK(events_of(d.db, "miner.offline", "m2", cause) == 1);
        CHECK(events_of(d.db, "miner.online", "m2", "") >= 1);
    });
}

}  // namespace

TEST_CASE(
    "miner faults: a miner answering HTTP 500 is shown offline with the status, and mines "
    "again once it answers",
    "[e2e][faults][miners]") {
    check_read_fault([](auto& m, bool on) { m.set_http_500(on); }, "HTTP 500");
}

TEST_CASE(
    "miner faults: a reply cut off mid-object is shown as truncated JSON, and the miner "
    "mines again once its replies are whole",
    "[e2e][faults][miners]") {
    check_read_fault([](auto& m, bool on) { m.set_malformed_json(on); }, "cut short");
}

TEST_CASE(
    "miner faults: a miner that accepts and never answers is bounded by its timeout, the "
    "loop does not wait for it, and it mines again once it answers",
    "[e2e][faults][miners]") {
    // FaultSite's miners have timeout = "500ms".
    check_read_fault([](auto& m, bool on) { m.set_unresponsive(on); }, "within 500ms");
}

TEST_CASE(
    "miner faults: a write acknowledged and not carried out is caught by the read-back, "
    "shown as not applied and retried with backoff until it holds",
    "[e2e][faults][miners]") {
    on_budgeted_site([](FaultSite& rig, DaemonChild& d) {
        const std::string cause = "acknowledged but not applied";

        // m2 answers 200 to every write and changes nothing; then the sun goes: pause everything.
        rig.miner(1).set_ignore_writes(true);
        rig.miner(1).reset_request_counts();
        rig.pv_w = 0;
        Watch w{rig};
        bool raised = false, error_hidden = false, error_seen = false;
        std::map<std::string, double> first_w;
        auto watch = [&](const json& s) {
            w(s);
            for (const char* id : {"m1", "m3"}) {
                const json& t = (*miner_in(s, id))["target"];
                const double planned = t["run"] == true ? t.value("power_w", 0.0) : 0.0;
                raised = raised || (first_w.count(id) && planned > first_w[id] + 1e-6);
                first_w.emplace(id, planned);
            }
            const json* m2 = miner_in(s, "m2");
            const bool shown = text_of(m2, "last_error").find(cause) != std::string::npos;
            error_hidden = error_hidden || (error_seen && !shown);
            error_seen = error_seen || shown;
        };
        const auto fault_start = Steady::now();
        auto st = wait_for(
            rig, d.web_port,
            [&](const json& s) {
                const json* m2 = miner_in(s, "m2");
                return m2 && (*m2)["target"]["run"] == false && (*m2)["target_applied"] == false &&
                       m2->value("consecutive_failures", 0) >= 3 &&
                       text_of(m2, "last_error").find(cause) != std::string::npos;
            },
            20s, watch);
        INFO(st.dump(2));
        const json& m2 = *miner_in(st, "m2");
        REQUIRE(text_of(&m2, "last_error").find(cause) != std::string::npos);
        CHECK(m2["online"] == true);
        CHECK(m2["target"]["run"] == false);
        CHECK(m2["target_applied"] == false);
        CHECK(m2["consecutive_failures"].get<int>() >= 3);
        CHECK(m2["state"]["state"] == "mining");  // what it really does, not what it was told
        CHECK_FALSE(rig.miner(1).paused());
        CHECK_FALSE(error_hidden);
        // Backoff: three failed attempts take 1 + 2 s of waiting, not one attempt per tick.
        const double fault_s = std::chrono::duration<double>(Steady::now() - fault_start).count();
        const auto attempts = rig.miner(1).request_count("POST", "/api/system/pause");
        INFO(attempts << " pause attempts in " << fault_s << " s");
        CHECK(fault_s >= 2.5);
        CHECK(attempts <= 2 + static_cast<std::size_t>(fault_s / 1.0));
        // The others did as they were told, and nothing was raised meanwhile.
        CHECK_FALSE(raised);
        CHECK(rig.miner(0).paused());
        CHECK(rig.miner(2).paused());
        check_period_and_budget(w);

        // (d) Writes work again: the next retry holds, then the sun returns.
        rig.miner(1).set_ignore_writes(false);
        st = wait_for(
            rig, d.web_port,
            [&](const json& s) {
                return rig.miner(1).paused() && (*miner_in(s, "m2"))["target_applied"] == true;
            },
            20s, w.fn());
        CHECK(rig.miner(1).paused());
        CHECK(text_of(miner_in(st, "m2"), "last_error").empty());
        rig.pv_w = 900;
        st = wait_for(rig, d.web_port, all_mining, 30s, w.fn());
        INFO(st.dump(2));
        CHECK(all_mining(st));
        check_period_and_budget(w);

        stop(d);
        const std::string log = read_file(d.log);
        CHECK(log.find("m2: apply: ") != std::string::npos);
        CHECK(log.find(cause) != std::string::npos);
        CHECK(events_of(d.db, "miner.apply_failed", "m2", cause) >= 1);
        CHECK(events_of(d.db, "miner.apply_failed", "m2", cause) <= 2);  // not one per retry
    });
}

TEST_CASE(
    "miner faults: a miner that reboots in the middle of a command is shown offline, and "
    "its target is applied again when it returns with its boot defaults",
    "[e2e][faults][miners]") {
    on_budgeted_site([](FaultSite& rig, DaemonChild& d) {
        // The next write m2 gets (the pause when the sun goes) drops mid-reply and m2 restarts for
        // 2 s; AxeOS forgets a pause on restart, so it comes back mining.
        rig.miner(1).reboot_on_next_write(2000ms);
        rig.miner(1).reset_request_counts();
        rig.pv_w = 0;
        Watch w{rig};
        bool seen_offline = false;
        auto watch = [&](const json& s) {
            w(s);
            seen_offline = seen_offline || (*miner_in(s, "m2"))["online"] == false;
        };
        auto st = wait_for(
            rig, d.web_port,
            [&](const json& s) { return seen_offline && (*miner_in(s, "m2"))["online"] == true; },
            20s, watch);
        INFO(st.dump(2));
        REQUIRE(seen_offline);
        // It is back, mining with its boot defaults: the daemon pauses it again.
        st = wait_for(
            rig, d.web_port,
            [&](const json& s) {
                const json* m2 = miner_in(s, "m2");
                return rig.miner(1).paused() && (*m2)["target"]["run"] == false &&
                       (*m2)["target_applied"] == true;
            },
            20s, w.fn());
        INFO(st.dump(2));
        CHECK(rig.miner(1).paused());
        CHECK((*miner_in(st, "m2"))["target_applied"] == true);
        CHECK(rig.miner(1).request_count("POST", "/api/system/pause") >= 2);
        CHECK(rig.miner(0).paused());
        CHECK(rig.miner(2).paused());
        check_period_and_budget(w);

        // (d) The sun returns: every miner, m2 included, mines again in the same process.
        rig.pv_w = 900;
        st = wait_for(rig, d.web_port, all_mining, 30s, w.fn());
        CHECK(all_mining(st));
        check_period_and_budget(w);

        stop(d);
        const std::string log = read_file(d.log);
        CHECK(log.find("m2: offline: ") != std::string::npos);
        CHECK(log.find("m2: online") != std::string::npos);
        CHECK(events_of(d.db, "miner.online", "m2", "") >= 1);
        // The pause under way when it went is the write that failed; then it could not be read.
        CHECK(events_of(d.db, "miner.apply_failed", "m2", "POST /api/system/pause") >= 1);
        CHECK(events_of(d.db, "miner.offline", "m2", "connect") == 1);
    });
}

TEST_CASE(
    "miner faults: two miners at one address are refused at the second one's url, naming "
    "both, and the daemon does not start",
    "[e2e][faults][miners][config]") {
    FaultSite rig;
    DaemonChild d;
    const std::string good = rig.config(d.web_port);
    const std::string twice = good + "[[miners]]\nid = \"m2-again\"\ndriver = \"axeos\"\nurl = \"" +
                              rig.miner(1).url() + "/\"\n";
    write_file(d.config_path, twice);
    const auto line = std::count(twice.begin(), twice.end(), '\n');  // the last url's line
    auto r = run({HASHSINK_BINARY, "run", "--config", d.config_path, "--db", d.db}, 20);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 78);
    const std::string where =
        d.config_path + ":" + std::to_string(line) + ":7: error: miners[3].url";
    CHECK(r.err.find(where) != std::string::npos);
    CHECK(r.err.find("\"m2-again\"") != std::string::npos);
    CHECK(r.err.find("\"m2\"") != std::string::npos);
    // Nothing was driven.
    for (auto& m : rig.miners) {
        CHECK(m->request_count("PATCH", "/api/system") == 0);
        CHECK(m->request_count("POST", "/api/system/pause") == 0);
    }
    // `check` says the same.
    auto checked = run({HASHSINK_BINARY, "check", "--config", d.config_path}, 20);
    CHECK(checked.exit_code == 78);
    CHECK((checked.out + checked.err).find(where) != std::string::npos);

    // (d) With the duplicate taken out the same site starts and mines.
    INFO("daemon log: " << d.log);
    const auto st = start_until_mining(rig, d, good);
    CHECK(all_mining(st));
    stop(d);
}
