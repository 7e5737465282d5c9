// The external policy end to end against a real mosquitto on a free loopback port: the test
// plays the external controller (its own MQTT client), answering each published snapshot; the
// running loop's decision follows the answer, goes to the safe state within the deadline once
// the answers stop, and never stalls a tick while the broker is dead.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/external/external_bridge.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "daemon/config/config.hpp"
#include "daemon/loop/control_loop.hpp"
#include "policies/external/external.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_settings.hpp"
#include "tests/support/process.hpp"
#include "tests/support/site_build.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using hashsink::transport::MqttClient;
using hashsink::transport::MqttSettings;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kPrefix = "it/site1/policy";

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 20s) {
    return test::eventually(pred, limit, 25ms);
}

// A miner that does what it is told at once.
class InstantMiner final : public MinerDriver {
public:
    std::string_view driver_name() const override { return "instant"; }
    Result<MinerCaps> probe() noexcept override { return test::ladder_caps(10, 30, 5); }
    Result<MinerState> read_state() noexcept override {
        std::lock_guard lock(m_);
        MinerState s;
        s.driver = "instant";
        s.online = true;
        s.state = current_.run ? MinerRunState::mining : MinerRunState::paused;
        s.power_w = current_.run ? current_.power_w : 1.0;
        return s;
    }
    Status apply(const MinerTarget& t) noexcept override {
        std::lock_guard lock(m_);
        current_ = t;
        return {};
    }
    MinerTarget current() {
        std::lock_guard lock(m_);
        return current_;
    }

private:
    std::mutex m_;
    MinerTarget current_;
};

// The external controller: answers every snapshot it sees (while `answering`) with a budget
// and a ceiling for miner a, from its own thread (never inside the MQTT callback). Constructed
// once connected to the broker.
class Controller {
public:
    explicit Controller(const test::Mosquitto& m)
        : client_(test::plain_client_settings(m, "it-controller")) {
        client_.subscribe(kPrefix + "/snapshot", 0, [this](const transport::MqttMessage& msg) {
            auto j = nlohmann::json::parse(msg.payload, nullptr, false);
            if (j.is_discarded() || !j.contains("seq")) return;
            std::lock_guard lock(mutex_);
            latest_ = j;
            ++snapshots_;
        });
        client_.start();
        REQUIRE(eventually([this] { return connected(); }));
        thread_ = std::thread([this] { run(); });
    }
    ~Controller() {
        stopping_ = true;
        thread_.join();
    }
    bool connected() const { return client_.connected(); }
    int snapshots() {
        std::lock_guard lock(mutex_);
        return snapshots_;
    }
    nlohmann::json latest() {
        std::lock_guard lock(mutex_);
        return latest_;
    }
    void send_raw(const std::string& payload) { client_.publish(kPrefix + "/decision", payload, 1); }

    std::atomic<bool> answering{true};
    std::atomic<double> budget_w{25};
    std::atomic<Steady::time_point::rep> last_answer{0};

private:
    void run() {
        std::uint64_t answered = 0;
        while (!stopping_) {
            nlohmann::json snap = latest();
            if (answering && snap.is_object() && snap["seq"].get<std::uint64_t>() != answered) {
                answered = snap["seq"].get<std::uint64_t>();
                nlohmann::json reply = {{"seq", answered},
                                        {"budget_w", budget_w.load()},
                                        {"miners", {{"a", {{"max_w", 20}}}}},
                                        {"reason", "test controller"}};
                if (client_.publish(kPrefix + "/decision", reply.dump(), 1).ok())
                    last_answer = Steady::now().time_since_epoch().count();
            }
            std::this_thread::sleep_for(10ms);
        }
    }

    std::mutex mutex_;
    nlohmann::json latest_;
    int snapshots_ = 0;
    std::atomic<bool> stopping_{false};
    // After what its handler writes to, so it is destroyed (and its handler stopped) first;
    // before the thread that publishes through it.
    MqttClient client_;
    std::thread thread_;
};

struct Rig {
    SystemClock clock;
    loop::NullRecorder recorder;
    InstantMiner* miner = nullptr;
    std::unique_ptr<external::ExternalBridge> bridge;
    std::unique_ptr<loop::ControlLoop> loop;
    std::mutex refusals_mutex;
    std::vector<std::string> refusals;

    Rig(const test::Mosquitto& m, Duration deadline, int qos) {
        external::BridgeConfig bc;
        bc.broker = test::plain_client_settings(m, "it-hashsink");
        bc.prefix = kPrefix;
        bc.qos = qos;
        bc.deadline = deadline;
        bridge = std::make_unique<external::ExternalBridge>(bc, clock);
        REQUIRE(bridge->setup_status().ok());
        loop::LoopSettings ls;
        ls.period = 200ms;
        ls.limits.min_dwell = 0s;
        loop = std::make_unique<loop::ControlLoop>(
            ls, std::make_unique<policies::ExternalPolicy>(policies::ExternalSettings{deadline}),
            clock, recorder);
        auto d = std::make_unique<InstantMiner>();
        miner = d.get();
        loop->add_miner({"a", "instant", 1s, 0, 0}, std::move(d));
        loop->on_snapshot([this](SiteSnapshot& s) {
            auto got = bridge->on_snapshot(s);
            std::lock_guard lock(refusals_mutex);
            refusals.insert(refusals.end(), got.begin(), got.end());
        });
    }
    ~Rig() { loop->stop(true, Duration{3000}); }
    std::shared_ptr<const loop::LoopStatus> status() { return loop->status_board().latest(); }
    bool refused(const std::string& part) {
        std::lock_guard lock(refusals_mutex);
        for (const auto& r : refusals)
            if (r.find(part) != std::string::npos) return true;
        return false;
    }
};

}  // namespace

TEST_CASE("external policy: the loop follows the controller, then falls back when it is silent",
          "[external][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    Controller controller(mosq);
    const Duration deadline = 1500ms;
    Rig rig(mosq, deadline, 1);
    rig.loop->start();

    // The controller sees the snapshot (with the miner) and its answer drives the miner.
    REQUIRE(eventually([&] { return controller.snapshots() > 2; }));
    auto snap = controller.latest();
    REQUIRE(snap["miners"].contains("a"));
    REQUIRE(snap["deadline_ms"] == 1500);
    REQUIRE(snap["reply_to"] == kPrefix + "/decision");
    REQUIRE(eventually([&] {
        auto st = rig.status();
        return st && !st->decision.fail_safe && st->decision.budget_w == Approx(25) &&
               rig.miner->current().run;
    }));
    auto st = rig.status();
    INFO(st->decision.reason);
    REQUIRE(st->decision.reason.find("test controller") != std::string::npos);
    REQUIRE(st->decision.miner_ceiling_w.at("a") == Approx(20));
    REQUIRE(eventually([&] {
        auto t = rig.miner->current();
        return t.run && t.power_w <= 20 + 1e-9 && t.power_w >= 10;
    }));

    // A new budget follows.
    controller.budget_w = 12;
    REQUIRE(eventually([&] { return rig.status()->decision.budget_w == Approx(12); }));

    // Garbage on the decision topic is refused with a reason; the last good answer stands.
    controller.send_raw("{not json");
    REQUIRE(eventually([&] { return rig.refused("reply is not JSON"); }));

    // Silence: the safe state within the deadline (plus a tick or two of latency).
    controller.answering = false;
    REQUIRE(eventually([&] { return rig.status()->decision.fail_safe; }, 10s));
    const auto silent_for = Steady::now() - Steady::time_point(Steady::duration(
                                                controller.last_answer.load()));
    CHECK(silent_for < deadline + 1500ms);
    REQUIRE(rig.status()->decision.reason.find("external controller silent for") !=
            std::string::npos);
    REQUIRE(eventually([&] { return !rig.miner->current().run; }));

    // Answers again: the loop resumes.
    controller.answering = true;
    REQUIRE(eventually([&] { return !rig.status()->decision.fail_safe; }));
}

TEST_CASE("external policy: a dead broker never stalls a tick", "[external][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    Controller controller(mosq);
    Rig rig(mosq, 1s, 1);   // QoS 1: a publish waits for an acknowledgement
    rig.loop->start();
    REQUIRE(eventually([&] { return rig.status() && !rig.status()->decision.fail_safe; }));

    mosq.stop();
    const auto tick_before = rig.status()->tick;
    const auto t0 = Steady::now();
    REQUIRE(eventually([&] { return rig.status()->decision.fail_safe; }, 10s));
    REQUIRE(eventually([&] { return rig.bridge->counters().failed + rig.bridge->counters().dropped > 3; }));
    // The loop keeps ticking. A publish that blocked would hold a tick for paho's connect
    // timeout (seconds), so the bounds are loose enough for a loaded machine and still catch it.
    std::this_thread::sleep_for(2s);
    auto st = rig.status();
    const double elapsed_s = std::chrono::duration<double>(Steady::now() - t0).count();
    CHECK(static_cast<double>(st->tick - tick_before) >= elapsed_s * 5 * 0.25);
    CHECK(st->tick_duration_ms < 1000);
    REQUIRE(st->decision.reason.find("silent") != std::string::npos);

    // The broker comes back: snapshots flow and answers count again.
    REQUIRE(mosq.start());
    REQUIRE(eventually([&] { return !rig.status()->decision.fail_safe; }, 30s));
}

TEST_CASE("external policy: the daemon's wiring from the config, refusals journalled, reload",
          "[external][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    Controller controller(mosq);
    const std::string dir = test::temp_dir();
    auto site_config = [&](const std::string& policy) {
        return "[site]\nmax_draw_w = 500\nperiod = \"200ms\"\nminer_poll_interval = \"1s\"\n"
               "[web]\nenabled = false\n"
               "[[miners]]\nid = \"a\"\ndriver = \"simulated\"\nmodel = \"bitaxe-gamma\"\n"
               "[policy]\nuse = \"" + policy + "\"\n"
               "[policy.layered]\nlayers = [\"manual\", \"external\"]\n"
               "[policy.external]\nbroker = \"" + mosq.url() + "\"\nclient_id = \"it-site\"\n"
               "status_topic = \"\"\nprefix = \"" + kPrefix + "\"\ndeadline = \"2s\"\n";
    };
    auto load = [&](const std::string& text) {
        test::write_file(dir + "/hashsink.toml", text);
        return test::loaded_config(dir + "/hashsink.toml");
    };
    SystemClock clock;
    auto built = test::build_site(load(site_config("layered")), dir, clock);
    REQUIRE(built);
    auto site = std::move(*built);
    REQUIRE(site->start().ok());
    auto decision = [&] {
        auto st = site->loop().status_board().latest();
        return st ? st->decision : Decision{};
    };

    // As a layer of `layered`: the controller's budget drives the decision.
    REQUIRE(eventually([&] {
        auto d = decision();
        return !d.fail_safe && d.reason.find("external: external seq") != std::string::npos;
    }));
    // 25 W is more than the one Bitaxe can draw: cut to what it can.
    REQUIRE(decision().budget_w < 25);
    REQUIRE(decision().reason.find("cut to the fleet's") != std::string::npos);
    controller.budget_w = 5;
    REQUIRE(eventually([&] { return decision().budget_w == Approx(5); }));

    // Garbage is refused, journalled as an event, and named once the answers stop.
    controller.answering = false;
    controller.send_raw("[\"not\", \"an object\"]");
    REQUIRE(eventually([&] { return decision().fail_safe; }));
    REQUIRE(eventually([&] {
        return decision().reason.find("reply is not a JSON object") != std::string::npos;
    }));
    REQUIRE(eventually([&] {
        site->journal().flush();
        for (const auto& e : site->journal().recent_events(50))
            if (e.code == "external.reply_refused" &&
                e.message.find("not a JSON object") != std::string::npos)
                return true;
        return false;
    }));

    // Another policy: the bridge goes away and no more snapshots are published.
    REQUIRE(site->reload(load(site_config("solar_surplus"))));
    std::this_thread::sleep_for(500ms);
    const int seen = controller.snapshots();
    std::this_thread::sleep_for(1s);
    REQUIRE(controller.snapshots() == seen);
    // And back: a new bridge, seq from 1, answers count again.
    controller.answering = true;
    REQUIRE(site->reload(load(site_config("external"))));
    REQUIRE(eventually([&] {
        auto d = decision();
        return !d.fail_safe && d.policy == "external";
    }));
    site->stop();
}

TEST_CASE(
    "external policy: a reload's new bridge replaces the old one's handler on the shared "
    "client",
    "[external][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    SystemClock clock;
    external::BridgeConfig bc;
    bc.broker = test::plain_client_settings(mosq, "it-reload");
    bc.prefix = kPrefix;
    bc.deadline = Duration{2000};
    // The shared client outlives each bridge, as it does when sources use the same broker.
    auto client = transport::shared_mqtt_client(bc.broker);
    REQUIRE(client);
    for (int reload = 0; reload < 3; ++reload) {
        auto bridge = std::make_unique<external::ExternalBridge>(bc, clock);
        REQUIRE(bridge->setup_status().ok());
        CHECK((*client)->subscription_count() == 1);
    }
    CHECK((*client)->subscription_count() == 0);
}
