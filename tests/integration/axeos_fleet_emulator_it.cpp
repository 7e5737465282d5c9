// The fleet emulator: thousands of AxeOS miners on their own loopback ports from one thread,
// read and written through the daemon's own HTTP client (httplib) as its driver does.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "adapters/transport/http_client.hpp"
#include "emulators/miners/axeos/axeos_fleet_emulator.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::miners::axeos;
using namespace std::chrono_literals;

namespace {

nlohmann::ordered_json get_info(transport::HttpClient& client) {
    auto res = client.get("/api/system/info");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto j = nlohmann::ordered_json::parse(res->body, nullptr, false);
    REQUIRE(j.is_object());
    return j;
}

}  // namespace

TEST_CASE(
    "axeos fleet emulator: 2,000 miners on their own ports answer the firmware's JSON, "
    "and a PATCH shows in the next GET of that miner only") {
    AxeosFleetEmulator fleet(2000, {.board = "gamma", .hostname = "bitaxe", .version = "v2.12.2"});
    REQUIRE(fleet.start().ok());
    std::set<std::string> urls;
    for (std::size_t i = 0; i < fleet.size(); ++i) urls.insert(fleet.url(i));
    CHECK(urls.size() == 2000);

    // The same answer as one miner on its own httplib server (the same code builds both):
    // the same fields in the same order, of the same types.
    AxeosEmulator single({.board = "gamma", .hostname = "bitaxe-0", .version = "v2.12.2"});
    REQUIRE(single.start().ok());
    transport::HttpClient alone(single.url());
    const auto expected = get_info(alone);
    transport::HttpClient first(fleet.url(0)), middle(fleet.url(999)), last(fleet.url(1999));
    for (auto* client : {&first, &middle, &last}) {
        const auto info = get_info(*client);
        INFO(client->base_url());
        REQUIRE(info.size() == expected.size());
        for (auto a = info.begin(), b = expected.begin(); a != info.end(); ++a, ++b) {
            CHECK(a.key() == b.key());
            CHECK(std::string(a->type_name()) == b->type_name());
        }
    }
    CHECK(get_info(first)["ASICModel"] == "BM1370");
    CHECK(get_info(middle)["hostname"] == "bitaxe-999");
    CHECK(get_info(last)["frequency"] == 490);

    // Keep-alive: the same connection carries the PATCH and the GET after it.
    auto patched = last.patch_json("/api/system", R"({"frequency": 550, "coreVoltage": 1250})");
    REQUIRE(patched);
    CHECK(patched->status == 200);
    CHECK(patched->body.empty());
    const auto after = get_info(last);
    CHECK(after["frequency"] == 550);
    CHECK(after["coreVoltage"] == 1250);
    CHECK(fleet.miner(1999).frequency() == 550);
    CHECK(get_info(first)["frequency"] == 490);

    // What the firmware refuses, it refuses here too; a path it lacks is a 404.
    auto refused = first.patch_json("/api/system", R"({"frequency": "fast"})");
    REQUIRE_FALSE(refused);
    CHECK(first.last_status() == 400);
    CHECK(get_info(first)["frequency"] == 490);
    CHECK_FALSE(first.get("/api/nothing"));
    CHECK(first.last_status() == 404);
    CHECK(fleet.requests() >= 10);

    // Idle connections are closed, as the per-miner emulators' servers close them after 1 s.
    CHECK(fleet.open_connections() > 0);
    CHECK(test::eventually([&] { return fleet.open_connections() == 0; }, 5s));
    CHECK(get_info(first)["hostname"] == "bitaxe-0");  // the client connects again
}

TEST_CASE("axeos fleet emulator: an unknown board is refused before any port is taken") {
    AxeosFleetEmulator fleet(3, {.board = "nonesuch"});
    const auto started = fleet.start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.message.find("nonesuch") != std::string::npos);
}
