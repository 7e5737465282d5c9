// The HTTP client against the emulator and a deliberately hostile loopback server.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <thread>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "adapters/transport/http_client.hpp"

using namespace hashsink;
using namespace hashsink::transport;
using namespace std::chrono_literals;

namespace {

struct HostileServer {
    httplib::Server svr;
    std::thread thread;
    int port = 0;
    HostileServer() {
        svr.Get("/big", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(std::string(3 * 1024 * 1024, 'x'), "application/json");
        });
        svr.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
            res.status = 404;
            res.set_content("Nothing matches the given URI", "text/plain");
        });
        svr.Get("/busy", [](const httplib::Request&, httplib::Response& res) {
            res.status = 503;
        });
        svr.Get("/drip", [](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("application/json",
                                             [](size_t offset, httplib::DataSink& sink) {
                if (offset > 1000) {
                    sink.done();
                    return true;
                }
                std::this_thread::sleep_for(50ms);
                sink.write("x", 1);
                return true;
            });
        });
        svr.Get("/origin", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.has_header("Origin") ? "origin" : "none", "text/plain");
        });
        port = svr.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { svr.listen_after_bind(); });
        for (int i = 0; i < 500 && !svr.is_running(); ++i) std::this_thread::sleep_for(1ms);
    }
    ~HostileServer() {
        svr.stop();
        thread.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("axeos http client: status codes, body cap, no Origin", "[axeos]") {
    HostileServer s;
    HttpClient c(s.url(), {.timeout = 2000ms, .max_body_bytes = 1024 * 1024});
    auto big = c.get("/big");
    REQUIRE_FALSE(big);
    CHECK(big.error().code == ErrorCode::protocol);
    auto missing = c.get("/missing");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::rejected);
    CHECK_FALSE(missing.error().retryable);
    CHECK(missing.error().message.find("HTTP 404 'Nothing matches") != std::string::npos);
    CHECK(c.last_status() == 404);
    auto busy = c.get("/busy");
    REQUIRE_FALSE(busy);
    CHECK(busy.error().code == ErrorCode::rejected);
    CHECK(busy.error().retryable);
    // A peer that drips the body keeps each read short; the whole exchange is still bounded.
    HttpClient quick(s.url(), {.timeout = 400ms});
    auto t0 = std::chrono::steady_clock::now();
    auto drip = quick.get("/drip");
    REQUIRE_FALSE(drip);
    CHECK(drip.error().code == ErrorCode::timeout);
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    auto origin = c.get("/origin");
    REQUIRE(origin);
    CHECK(origin->body == "none");
}

TEST_CASE("axeos http client: refused, bad URL", "[axeos]") {
    HostileServer s;
    const int port = s.port;
    s.svr.stop();
    HttpClient c("http://127.0.0.1:" + std::to_string(port), {.timeout = 500ms});
    auto r = c.get("/api/system/info");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::unreachable);
    for (const char* bad : {"ftp://x", "http://", "http://host:99999", "http://h/path", "x"}) {
        HttpClient b(bad);
        auto res = b.get("/");
        REQUIRE_FALSE(res);
        CHECK(res.error().code == ErrorCode::invalid);
        CHECK_FALSE(HttpClient::check_base_url(bad));
    }
    CHECK(HttpClient::check_base_url("http://192.168.1.50"));
    CHECK(HttpClient::check_base_url("http://bitaxe.local:8080/"));
}

TEST_CASE("axeos http client: emulator answers like the firmware to bad PATCHes", "[axeos]") {
    miners::axeos::AxeosEmulator emu;
    REQUIRE(emu.start());
    HttpClient c(emu.url());
    auto wrong_type = c.patch_json("/api/system", R"({"frequency":"fast"})");
    REQUIRE_FALSE(wrong_type);
    CHECK(wrong_type.error().message.find("400 'Wrong API input'") != std::string::npos);
    auto out_of_range = c.patch_json("/api/system", R"({"temptarget":90})");
    REQUIRE_FALSE(out_of_range);
    CHECK(out_of_range.error().message.find("Wrong API input") != std::string::npos);
    auto garbled = c.patch_json("/api/system", R"({"frequency":)");
    REQUIRE_FALSE(garbled);
    CHECK(garbled.error().message.find("400 'Invalid JSON'") != std::string::npos);
    CHECK(emu.frequency() == 490);
    auto ok = c.patch_json("/api/system", R"({"frequency":450,"coreVoltage":1150})");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->body.empty());
    CHECK(emu.frequency() == 450);
    auto pause = c.post_json("/api/system/pause");
    REQUIRE(pause);
    CHECK(pause->body == R"({"message":"Mining paused"})");
    auto resume = c.post_json("/api/system/resume");
    REQUIRE(resume);
    CHECK(resume->body == R"({"message":"Mining resumed"})");
    auto restart = c.post_json("/api/system/restart");
    REQUIRE(restart);
    CHECK(restart->body.find("restart") != std::string::npos);
}
