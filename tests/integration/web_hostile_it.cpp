// The web server against hostile clients, on a real Site built in-process (loop ticking every
// 200 ms, emulators on loopback): a thousand connections held idle or sending slowly, slowloris
// heads, oversized heads and bodies. Meanwhile GET /healthz and /api/status must answer within
// 2 s and the loop must keep its period.
#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/hostile_clients.hpp"
#include "tests/support/small_site_rig.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

constexpr auto kAnswerWithin = 2s;
constexpr auto kPeriod = 200ms;

// The small site, once its loop has published a first status.
struct HostileRig : test::SmallSiteRig {
    HostileRig() : SmallSiteRig("") {
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!tick() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(10ms);
        REQUIRE(tick() > 0);
    }
    std::uint64_t tick() const {
        auto s = site->loop().status_board().latest();
        return s ? s->tick : 0;
    }
};

// For `window`: /healthz and /api/status answer 200 within 2 s, again and again, and the loop
// ticks at least 80% of the ticks its period allows.
void page_and_loop_hold(HostileRig& rig, std::chrono::seconds window) {
    const auto start = std::chrono::steady_clock::now();
    const auto first_tick = rig.tick();
    int probes = 0;
    while (std::chrono::steady_clock::now() - start < window) {
        for (const char* path : {"/healthz", "/api/status"}) {
            auto ex = test::timed_get(rig.port, path, kAnswerWithin + 1s);
            INFO("GET " << path << " after " << ++probes << " probes: status " << ex.status
                        << " in " << ex.took.count() << " ms");
            REQUIRE(ex.status == 200);
            REQUIRE(ex.took < kAnswerWithin);
        }
        std::this_thread::sleep_for(300ms);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const double allowed = static_cast<double>(elapsed / 1ms) / static_cast<double>(kPeriod / 1ms);
    INFO("ticks " << rig.tick() - first_tick << " of " << allowed);
    REQUIRE(static_cast<double>(rig.tick() - first_tick) >= 0.8 * allowed - 1);
}

// Holds `count` connections (silent, or dripping a head one byte per `every`) while the page
// and the loop hold for `window`; returns how many of them the server has closed by then.
int hold_and_probe(HostileRig& rig, int count, bool drip, std::chrono::milliseconds every,
                   std::chrono::seconds window) {
    test::HeldConnections held(rig.port, count, drip, every);
    REQUIRE(held.opened() == count);
    page_and_loop_hold(rig, window);
    return held.closed_by_server();
}

}  // namespace

TEST_CASE(
    "web: with 1000 idle connections held open, the page answers and the loop keeps its period",
    "[web][hostile]") {
    HostileRig rig;
    REQUIRE(hold_and_probe(rig, 1000, false, 0s, 7s) >= 0);
}

TEST_CASE("web: with 1000 connections each sending a request one byte a second, the page answers",
          "[web][hostile]") {
    HostileRig rig;
    REQUIRE(hold_and_probe(rig, 1000, true, 1s, 7s) >= 0);
}

TEST_CASE("web: 50 slowloris clients are dropped at the head deadline while the page answers",
          "[web][hostile]") {
    HostileRig rig;
    REQUIRE(hold_and_probe(rig, 50, true, 1500ms, 12s) == 50);
}

TEST_CASE("web: oversized request heads are refused at once", "[web][hostile]") {
    HostileRig rig;
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    SECTION("a 100 KB header line") {
        auto ex = test::exchange(rig.port, get + "X-Big: " + std::string(100'000, 'a') + "\r\n\r\n",
                                 0, false, 3s);
        INFO("status " << ex.status << " in " << ex.took.count() << " ms");
        REQUIRE((ex.status >= 400 || ex.closed));
        REQUIRE(ex.took < kAnswerWithin);
    }
    SECTION("a header line that never ends (20 MB)") {
        auto ex = test::exchange(rig.port, get + "X-Big: ", 20'000'000, false, 5s);
        INFO("status " << ex.status << " after " << ex.body_sent << " bytes");
        REQUIRE((ex.status >= 400 || ex.closed));
        REQUIRE(ex.body_sent < 8'000'000);
    }
    SECTION("10,000 headers") {
        std::string many = get;
        for (int i = 0; i < 10'000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
        auto ex = test::exchange(rig.port, many + "\r\n", 0, false, 3s);
        INFO("status " << ex.status << " in " << ex.took.count() << " ms");
        REQUIRE((ex.status >= 400 || ex.closed));
    }
    SECTION("a 100 KB URI") {
        auto ex = test::exchange(
            rig.port, "GET /" + std::string(100'000, 'a') + " HTTP/1.1\r\n\r\n", 0, false, 3s);
        REQUIRE((ex.status >= 400 || ex.closed));
    }
    page_and_loop_hold(rig, 1s);
}

TEST_CASE("web: 50 MB bodies are refused before they are read", "[web][hostile]") {
    HostileRig rig;
    const std::size_t mb50 = 50'000'000;
    const std::string post = "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    auto refused_early = [](const test::Exchange& ex) {
        INFO("status " << ex.status << " after " << ex.body_sent << " body bytes in "
                       << ex.took.count() << " ms");
        REQUIRE((ex.status >= 400 || ex.closed));
        REQUIRE(ex.body_sent < 8'000'000);
    };
    SECTION("with Content-Length") {
        refused_early(
            test::exchange(rig.port, post + "Content-Length: 50000000\r\n\r\n", mb50, false, 5s));
    }
    SECTION("chunked") {
        refused_early(
            test::exchange(rig.port, post + "Transfer-Encoding: chunked\r\n\r\n", mb50, true, 5s));
    }
    SECTION("without a length, until the client closes") {
        refused_early(test::exchange(rig.port, post + "\r\n", mb50, false, 5s));
    }
    page_and_loop_hold(rig, 1s);
}
