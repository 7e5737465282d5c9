// Malformed HTTP against the web server of a real Site built in-process (loop ticking every
// 200 ms, emulators on loopback), over real TCP connections: a few thousand seeded random and
// mutated requests (broken request lines, unknown methods, absurd or negative Content-Length,
// broken chunked bodies, binary garbage, header injection, heads cut short, pipelines, absurd
// URIs and queries, bad JSON to the /api routes with and without a session). Each connection's
// bytes must parse as well-formed HTTP responses with a 1xx, 2xx, 3xx or 4xx status, never a
// 5xx; the loop must never stall; GET / and /api/status must answer promptly afterwards.
// HASHSINK_FUZZ_SEED=<n> replays a run; the seed and the count are printed.

#include <atomic>
#include <catch2/catch.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/hostile_clients.hpp"
#include "tests/support/http_fuzz.hpp"
#include "tests/support/small_site_rig.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int kRequests = 6000;
constexpr auto kBudget = 25s;  // the run stops early rather than run past this
constexpr auto kPeriod = 200ms;

// Samples the loop's tick every 20 ms; the longest time it stood still.
struct TickWatch {
    app::Site& site;
    std::atomic<bool> stop{false};
    std::chrono::milliseconds longest_still{0};
    std::thread thread{[this] { run(); }};

    explicit TickWatch(app::Site& s) : site(s) {}
    ~TickWatch() { finish(); }
    std::uint64_t tick() const {
        auto s = site.loop().status_board().latest();
        return s ? s->tick : 0;
    }
    void run() {
        std::uint64_t last = tick();
        auto since = Steady::now();
        while (!stop) {
            std::this_thread::sleep_for(20ms);
            const std::uint64_t now_tick = tick();
            if (now_tick != last) {
                last = now_tick;
                since = Steady::now();
            }
            longest_still = std::max(
                longest_still,
                std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - since));
        }
    }
    void finish() {
        stop = true;
        if (thread.joinable()) thread.join();
    }
};

}  // namespace

TEST_CASE(
    "web: thousands of malformed requests over TCP get well-formed 1xx-4xx answers, the loop "
    "never stalls, and the page answers after",
    "[web][fuzz]") {
    test::SmallSiteRig rig("");
    const auto started = Steady::now();
    while (rig.site->loop().status_board().latest() == nullptr && Steady::now() - started < 20s)
        std::this_thread::sleep_for(10ms);
    REQUIRE(rig.site->loop().status_board().latest() != nullptr);

    test::Browser admin(rig.port);
    auto setup = admin.post("/api/setup", nlohmann::json{{"password", "correct horse"},
                                                         {"setup_code", test::kSetupCode}});
    REQUIRE(setup->status == 200);

    const std::uint64_t seed = test::fuzz_seed();
    std::cout << "web fuzz: seed " << seed << " (HASHSINK_FUZZ_SEED replays it)" << std::endl;
    test::MalformedHttp gen(seed, admin.cookie, admin.csrf);

    TickWatch watch(*rig.site);
    const auto begin = Steady::now();
    int sent = 0, answered = 0, extra_answers = 0;
    std::map<int, int> by_status;
    while (sent < kRequests && Steady::now() - begin < kBudget) {
        auto [data, requests] = gen.connection();
        if (data.rfind("HEAD", 0) == 0) data[0] = 'G';  // a HEAD answer has no body to parse
        const std::string got = test::exchange_all(rig.port, data, 3000ms);
        ++sent;
        std::vector<int> statuses;
        bool extra = false;
        const std::string wrong = test::check_responses(got, requests, statuses, &extra);
        extra_answers += extra ? 1 : 0;
        INFO("connection " << sent << " (seed " << seed << ") sent: " << test::printable(data));
        INFO("got: " << test::printable(got));
        INFO("wrong: " << wrong);
        REQUIRE(wrong.empty());
        for (int s : statuses) {
            ++by_status[s];
            REQUIRE(s >= 100);
            REQUIRE(s < 500);
        }
        answered += statuses.empty() ? 0 : 1;
    }
    const auto took = Steady::now() - begin;
    watch.finish();
    std::cout << "web fuzz: seed " << seed << ", " << sent << " connections (" << answered
              << " answered, " << extra_answers << " with more answers than requests) in "
              << std::chrono::duration<double>(took).count() << " s; statuses:";
    for (auto [s, n] : by_status) std::cout << " " << s << "x" << n;
    std::cout << std::endl;
    CHECK(sent >= 1000);
    CHECK(answered >= sent / 2);
    INFO("the loop stood still for " << watch.longest_still.count() << " ms at most");
    CHECK(watch.longest_still < 5 * kPeriod);

    for (const char* path : {"/", "/api/status"}) {
        auto ex = test::timed_get(rig.port, path, 3s);
        INFO("GET " << path << ": " << ex.status << " in " << ex.took.count() << " ms");
        CHECK(ex.status == 200);
        CHECK(ex.took < 1s);
    }
}

TEST_CASE(
    "web: after refusing a request it cannot read whole, the server closes the connection "
    "instead of reading what follows as a request",
    "[web][fuzz]") {
    test::SmallSiteRig rig("");
    const std::string next = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"a broken request line", "BROKEN\r\n" + next},
        {"a request line in lower case", "get / http/1.1\r\nHost: x\r\n\r\n" + next},
        {"a negative length",
         "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" + next},
        {"a length over the limit",
         "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n" + next},
    };
    for (const auto& [what, bytes] : cases) {
        INFO(what);
        const std::string got = test::exchange_all(rig.port, bytes, 3000ms);
        INFO("got: " << test::printable(got));
        std::vector<int> statuses;
        bool extra = false;
        CHECK(test::check_responses(got, 1, statuses, &extra).empty());
        CHECK_FALSE(extra);
        REQUIRE(statuses.size() == 1);
        CHECK(statuses[0] >= 400);
        CHECK(statuses[0] < 500);
    }
    // A good request on a kept-alive connection is still followed by the next.
    const std::string got = test::exchange_all(rig.port, next + next, 3000ms);
    std::vector<int> statuses;
    CHECK(test::check_responses(got, 2, statuses).empty());
    CHECK(statuses == std::vector<int>{200, 200});
}
