// [publish] on a real Site against a real mosquitto: the status, each miner and the
// availability topic arrive; a dead broker never stalls the loop and its failing publishes are
// the publisher's health and events; publishing resumes when the broker comes back; a clean stop
// leaves "offline".
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/site_build.hpp"
#include "tests/support/small_site.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_settings.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using nlohmann::json;
using test::eventually;

namespace {

// Keeps the latest payload of every topic under a filter.
class Listener {
public:
    Listener(const test::Mosquitto& m, const std::string& filter)
        : client_(test::broker_settings(m, "it-publish-listener")) {
        client_.subscribe(filter, 0, [this](const transport::MqttMessage& msg) {
            std::lock_guard lock(mutex_);
            latest_[msg.topic] = std::string(msg.payload);
        });
        client_.start();
    }
    std::optional<std::string> get(const std::string& topic) {
        std::lock_guard lock(mutex_);
        auto it = latest_.find(topic);
        return it == latest_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    std::optional<json> get_json(const std::string& topic) {
        auto p = get(topic);
        if (!p) return std::nullopt;
        auto j = json::parse(*p, nullptr, false);
        return j.is_discarded() ? std::nullopt : std::optional<json>(j);
    }
    bool connected() const { return client_.connected(); }

private:
    std::mutex mutex_;
    std::map<std::string, std::string> latest_;
    // Last, so it is destroyed (and its handler stopped) before what the handler writes to.
    transport::MqttClient client_;
};

}  // namespace

TEST_CASE(
    "publish: status, miners and availability over a real broker, a dead broker never "
    "stalls the loop",
    "[integration][publish][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    sensors::sunspec::SunspecEmulator inverter;
    miners::axeos::AxeosEmulator a{{.board = "gamma", .hostname = "gamma-a"}};
    REQUIRE(inverter.start());
    REQUIRE(a.start());
    inverter.update(test::sunny_inverter(300, -200));

    const std::string dir = test::temp_dir();
    test::write_file(dir + "/site.toml",
                     test::small_site_toml("[web]\nenabled = false\n"
                                           "[publish]\nenabled = true\nbroker = \"" +
                                               mosq.url() +
                                               "\"\nclient_id = \"it-site\"\n"
                                               "prefix = \"it/site\"\ninterval = \"1s\"\n"
                                               "status_topic = \"it/site/availability\"\n",
                                           inverter.port(), a.url(), test::free_port()));
    SystemClock clock;
    auto site = test::started_site(dir + "/site.toml", dir, clock);

    Listener listen(mosq, "it/site/#");
    REQUIRE(eventually([&] { return listen.connected(); }, 20s));
    REQUIRE(eventually([&] { return listen.get("it/site/availability") == "online"; }, 20s));
    REQUIRE(eventually(
        [&] {
            auto m = listen.get_json("it/site/miner/a");
            return m && (*m)["online"] == true && (*m)["power_w"].is_number();
        },
        20s));
    auto status = listen.get_json("it/site/status");
    REQUIRE(status);
    CHECK((*status)["policy"] == "solar_surplus");
    CHECK((*status)["miners"] == 2);
    CHECK((*status)["sources"]["inverter"]["ok"] == true);
    auto dead = listen.get_json("it/site/miner/dead");
    REQUIRE(dead);
    CHECK((*dead)["online"] == false);
    CHECK((*dead)["power_w"].is_null());

    auto health = [&] { return site->publish_health().value_or(Status::success()); };
    REQUIRE(site->publish_health());
    CHECK(health().ok());

    // The broker dies: the loop keeps ticking at its period, and the failing publish is the
    // publisher's health (for the page) and an event.
    mosq.stop();
    auto& board = site->loop().status_board();
    const auto tick0 = board.latest()->tick;
    REQUIRE(eventually([&] { return board.latest()->tick >= tick0 + 15; }, 15s));
    CHECK(board.latest()->tick_duration_ms < 200);
    REQUIRE(eventually([&] { return !health().ok(); }, 20s));
    CHECK_THAT(health().message, Catch::Contains("publish it/site/"));

    // Back: fresh statuses arrive again (retained, so the restarted broker had none before).
    REQUIRE(mosq.start());
    REQUIRE(eventually(
        [&] {
            auto s = listen.get_json("it/site/status");
            return s && (*s)["tick"].get<std::uint64_t>() > tick0 + 15;
        },
        30s));
    REQUIRE(eventually([&] { return listen.get("it/site/availability") == "online"; }, 20s));
    CHECK(eventually([&] { return health().ok(); }, 20s));
    auto journalled = [&](const std::string& code) {
        site->journal().flush();
        for (const auto& e : site->journal().recent_events(200))
            if (e.code == code && e.subject == "publish") return true;
        return false;
    };
    CHECK(journalled("publish.failing"));
    CHECK(journalled("publish.resumed"));

    // A clean stop says so.
    site->stop();
    CHECK(eventually([&] { return listen.get("it/site/availability") == "offline"; }, 20s));
}
