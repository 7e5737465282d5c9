// GET /metrics on a real Site built in-process with the emulators on loopback: what a Prometheus
// scrape sees (content type, readings, an online and an offline miner), and who may scrape when
// the status is not public (a session or the bearer token from web.metrics_token_file).
#include <httplib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/site_build.hpp"
#include "tests/support/small_site.hpp"
#include "tests/support/small_site_rig.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kToken = "0123456789abcdef-scrape-token";

using MetricsRig = test::SmallSiteRig;

httplib::Result get(int port, const httplib::Headers& headers = {}) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    return c.Get("/metrics", headers);
}

// The scrape once the online miner's power is in it (bounded in time).
std::string scrape_when_mining(int port, const httplib::Headers& headers = {}) {
    const auto until = std::chrono::steady_clock::now() + 20s;
    std::string last;
    while (std::chrono::steady_clock::now() < until) {
        auto r = get(port, headers);
        if (r && r->status == 200) {
            last = r->body;
            if (last.find("hashsink_miner_power_watts{miner=\"a\"") != std::string::npos &&
                last.find("hashsink_reading{source=\"inverter\",signal=\"pv.ac_power_w\"} 300") !=
                    std::string::npos)
                return last;
        }
        std::this_thread::sleep_for(100ms);
    }
    FAIL("no scrape with miner a's power within 20 s; last:\n" << last);
    return last;
}

bool has_line_starting(const std::string& text, const std::string& start) {
    return text.find("\n" + start) != std::string::npos || text.rfind(start, 0) == 0;
}

}  // namespace

TEST_CASE("metrics: a public scrape has the format, readings and both miners",
          "[integration][web][metrics]") {
    MetricsRig rig("");
    auto first = get(rig.port);
    REQUIRE(first);
    REQUIRE((first->status == 200 || first->status == 503));  // 503 before the first tick
    const std::string text = scrape_when_mining(rig.port);
    auto r = get(rig.port);
    REQUIRE(r);
    CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");

    CHECK(has_line_starting(text, "# HELP hashsink_ticks_total "));
    CHECK(has_line_starting(text, "# TYPE hashsink_ticks_total counter"));
    CHECK(has_line_starting(text, "hashsink_policy_info{policy=\"solar_surplus\"} 1"));
    CHECK(has_line_starting(text,
                            "hashsink_reading{source=\"inverter\",signal=\"grid.power_w\"} -200"));
    CHECK(has_line_starting(text, "hashsink_source_ok{source=\"inverter\",type=\"sunspec\"} 1"));
    CHECK(has_line_starting(text, "hashsink_miner_online{miner=\"a\",driver=\"axeos\"} 1"));
    CHECK(has_line_starting(text, "hashsink_miner_hashrate_hashes_per_second{miner=\"a\""));
    CHECK(has_line_starting(text, "hashsink_miner_online{miner=\"dead\",driver=\"axeos\"} 0"));
    CHECK(text.find("hashsink_miner_power_watts{miner=\"dead\"") == std::string::npos);
    // An independent reader of the format (the Python client's parser) reads every family,
    // with the counter's _total suffix and the labels as written.
    const std::string file = rig.dir + "/scrape.txt";
    test::write_file(file, text);
    auto parsed = test::run(
        {"/usr/bin/python3",
         std::string(HASHSINK_SOURCE_DIR) + "/tests/support/check_prometheus_text.py", file});
    INFO(parsed.err);
    REQUIRE(parsed.exit_code == 0);
    CHECK(parsed.out.find("hashsink_ticks counter 1\n") != std::string::npos);
    CHECK(parsed.out.find("hashsink_miner_online gauge 2\n") != std::string::npos);
    CHECK(parsed.out.find(" label signal 'pv.ac_power_w'") != std::string::npos);

    // One block per family even on a live site.
    std::size_t helps = 0, pos = 0;
    while ((pos = text.find("# HELP hashsink_miner_online ", pos)) != std::string::npos) {
        ++helps;
        ++pos;
    }
    CHECK(helps == 1);
}

TEST_CASE("metrics: gzip for a scraper that accepts it, plain text for one that does not",
          "[integration][web][metrics]") {
    MetricsRig rig("");
    const std::string text = scrape_when_mining(rig.port);
    for (const char* path : {"/metrics", "/api/status"}) {
        INFO(path);
        httplib::Client c("127.0.0.1", rig.port);
        c.set_read_timeout(20, 0);
        c.set_decompress(false);  // the bytes as sent
        auto gz = c.Get(path, {{"Accept-Encoding", "gzip"}});
        REQUIRE(gz);
        REQUIRE(gz->status == 200);
        CHECK(gz->get_header_value("Content-Encoding") == "gzip");
        REQUIRE(gz->body.size() > 2);
        CHECK(static_cast<unsigned char>(gz->body[0]) == 0x1f);  // the gzip magic
        CHECK(static_cast<unsigned char>(gz->body[1]) == 0x8b);
        auto plain = c.Get(path, {{"Accept-Encoding", "identity"}});
        REQUIRE(plain);
        CHECK(plain->get_header_value("Content-Encoding").empty());
        CHECK(gz->body.size() < plain->body.size());
    }
    // Unpacked by a client that asks for it, the scrape is the text itself.
    auto unpacked = get(rig.port, {{"Accept-Encoding", "gzip"}});
    REQUIRE(unpacked);
    CHECK(has_line_starting(unpacked->body, "# TYPE hashsink_ticks_total counter"));
    CHECK(text.size() > 0);
}

TEST_CASE("metrics: with public_status off, a session or the bearer token, nothing else",
          "[integration][web][metrics]") {
    const std::string token_dir = test::temp_dir();
    test::write_file(token_dir + "/metrics.token", std::string(kToken) + "\n");
    ::chmod((token_dir + "/metrics.token").c_str(), 0600);  // a secret any user reads is refused
    MetricsRig rig("public_status = false\nmetrics_token_file = \"" + token_dir +
                   "/metrics.token\"\n");

    auto anon = get(rig.port);
    REQUIRE(anon);
    CHECK(anon->status == 401);
    CHECK(anon->get_header_value("WWW-Authenticate") == "Bearer");
    auto wrong = get(rig.port, {{"Authorization", "Bearer not-the-token-at-all"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    auto basic = get(rig.port, {{"Authorization", "Basic YWRtaW46eA=="}});
    REQUIRE(basic);
    CHECK(basic->status == 401);
    auto prefix = get(rig.port, {{"Authorization", std::string("Bearer ") + kToken + "x"}});
    REQUIRE(prefix);
    CHECK(prefix->status == 401);

    const std::string text =
        scrape_when_mining(rig.port, {{"Authorization", std::string("Bearer ") + kToken}});
    CHECK(has_line_starting(text, "hashsink_miner_online{miner=\"a\",driver=\"axeos\"} 1"));

    // A logged-in browser may read it too (the status page's rule).
    test::Browser admin(rig.port);
    REQUIRE(admin
                .post("/api/setup",
                      json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}})
                ->status == 200);
    auto session = admin.get("/metrics");
    REQUIRE(session);
    CHECK(session->status == 200);
    CHECK(session->body.find("# TYPE hashsink_ticks_total counter") != std::string::npos);
}

TEST_CASE("metrics: an unreadable or short token file stops the site from building",
          "[integration][web][metrics]") {
    const std::string dir = test::temp_dir();
    test::write_file(dir + "/short.token", "abc\n");
    ::chmod((dir + "/short.token").c_str(), 0600);
    for (const std::string& file : {dir + "/missing.token", dir + "/short.token"}) {
        test::write_file(dir + "/site.toml",
                         "[site]\nmax_draw_w = 100\n[web]\nlisten = \"127.0.0.1:" +
                             std::to_string(test::free_port()) +
                             "\"\npublic_status = false\nmetrics_token_file = \"" + file +
                             "\"\n[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\n"
                             "host = \"127.0.0.1\"\n[[miners]]\nid = \"a\"\ndriver = \"axeos\"\n"
                             "url = \"http://127.0.0.1:1\"\n");
        SystemClock clock;
        auto built = test::build_site(test::loaded_config(dir + "/site.toml"), dir, clock);
        REQUIRE_FALSE(built);
        INFO(built.error().message);
        CHECK(built.error().message.find("web.metrics_token_file") != std::string::npos);
        CHECK(built.error().message.find(file) != std::string::npos);
    }
}
