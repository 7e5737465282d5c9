#include "tests/support/fault_site.hpp"

#include <thread>

#include "tests/support/inverter_image.hpp"
#include "tests/support/net.hpp"
#include "tests/support/small_site.hpp"
#include "tests/support/web_client.hpp"

namespace hashsink::test {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

FaultSite::FaultSite(sensors::sunspec::EmulatorOptions options) : inverter(std::move(options)) {
    REQUIRE(inverter.start());
    for (const char* name : {"m1", "m2", "m3"}) {
        miners.push_back(std::make_unique<miners::axeos::AxeosEmulator>(
            miners::axeos::EmulatorConfig{.board = "gamma", .hostname = name, .lag_s = 0.2}));
        REQUIRE(miners.back()->start());
    }
    feed();
}

void FaultSite::feed() {
    double draw_w = 0;
    for (const auto& m : miners) draw_w += m->power_w();
    inverter.update(sunny_inverter(pv_w, house_w + draw_w - pv_w));
}

const std::string FaultSite::kSolarSurplus =
    "[policy.solar_surplus]\nenable_delay = \"1s\"\nreserve_w = 10\n";

std::string FaultSite::config(int web_port, const std::string& extra,
                              const std::string& policy) const {
    std::string c =
        "[site]\nmax_draw_w = " + std::to_string(max_draw_w) +
        "\nperiod = \"300ms\"\nminer_poll_interval = \"1s\"\n"
        "[governor]\nmin_dwell = \"1s\"\n" +
        std::string(kPromptJournal) + "[web]\nlisten = \"127.0.0.1:" + std::to_string(web_port) +
        "\"\n" + policy +
        "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(inverter.port()) + "\nmax_age = \"3s\"\ntimeout = \"500ms\"\n" + extra;
    for (std::size_t i = 0; i < miners.size(); ++i)
        c += "[[miners]]\nid = \"m" + std::to_string(i + 1) + "\"\ndriver = \"axeos\"\nurl = \"" +
             miners[i]->url() + "\"\ntimeout = \"" + miner_timeout + "\"\n";
    return c;
}

DaemonChild::DaemonChild() : web_port(free_port()) {}

void DaemonChild::start(const std::string& config) {
    write_file(config_path, config);
    child = std::make_unique<Child>(
        std::vector<std::string>{HASHSINK_BINARY, "run", "--config", config_path, "--db", db}, log,
        env);
    REQUIRE(wait_for_port(web_port, 15s));
}

int DaemonChild::wait_exit(std::chrono::seconds limit) {
    auto until = Steady::now() + limit;
    while (child->running() && Steady::now() < until) std::this_thread::sleep_for(50ms);
    return child->running() ? -1 : child->wait();
}

std::optional<json> status_of(int port) { return get_json(port, "/api/status", 3s); }

json wait_for(FaultSite& site, int port, const std::function<bool(const json&)>& pred,
              std::chrono::seconds limit, const std::function<void(const json&)>& each) {
    auto until = Steady::now() + limit;
    json last;
    while (Steady::now() < until) {
        site.feed();
        if (auto s = status_of(port)) {
            last = *s;
            if (each) each(last);
            if (pred(last)) return last;
        }
        std::this_thread::sleep_for(150ms);
    }
    return last;
}

const json* miner_in(const json& s, const std::string& id) {
    if (!s.contains("miners")) return nullptr;
    for (const auto& m : s["miners"])
        if (m["id"] == id) return &m;
    return nullptr;
}

const json* source_in(const json& s, const std::string& id) {
    if (!s.contains("sources")) return nullptr;
    for (const auto& src : s["sources"])
        if (src["id"] == id) return &src;
    return nullptr;
}

bool is_mining(const json& s, const std::string& id) {
    const json* m = miner_in(s, id);
    return m && (*m)["online"] == true && (*m)["state"].is_object() &&
           (*m)["state"]["state"] == "mining" && (*m)["target"]["run"] == true &&
           (*m)["target_applied"] == true;
}

bool all_mining(const json& s) {
    return is_mining(s, "m1") && is_mining(s, "m2") && is_mining(s, "m3");
}

std::string miners_in_brief(const json& s) {
    std::string out;
    for (const auto& m : s.value("miners", json::array())) {
        const json state = m.value("state", json());
        const json target = m.value("target", json());
        out += m.value("id", std::string("?")) + ": online " + m.value("online", json()).dump() +
               ", state " + (state.is_object() ? state.value("state", json()).dump() : "none") +
               ", run " + (target.is_object() ? target.value("run", json()).dump() : "none") +
               ", applied " + m.value("target_applied", json()).dump() + ", last error " +
               m.value("last_error", json()).dump() + "\n";
    }
    return out;
}

std::uint64_t tick_of(const json& s) { return s.value("tick", std::uint64_t{0}); }

json start_until_mining(FaultSite& site, DaemonChild& d, const std::string& config) {
    d.start(config);
    auto st = wait_for(site, d.web_port, all_mining, 40s);
    INFO(miners_in_brief(st) << st.dump(2));
    REQUIRE(all_mining(st));
    return st;
}

void log_in_as_admin(Browser& admin, const DaemonChild& d) {
    const std::string code = setup_code_in(read_file(d.log));
    REQUIRE_FALSE(code.empty());
    auto setup = admin.post("/api/setup",
                            nlohmann::json{{"password", "correct horse"}, {"setup_code", code}});
    REQUIRE(setup);
    REQUIRE(setup->status == 200);
}

}  // namespace hashsink::test
