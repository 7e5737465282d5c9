// The page behind a TLS-terminating proxy, as docs/web.md ("TLS: a reverse proxy") sets it up:
// the daemon binary listening on loopback, Debian's socat terminating TLS in front of it with a
// self-signed certificate (tests/fixtures/tls), and a client that trusts only that certificate.
// Like the documented nginx and Caddy setups, the proxy passes the browser's Host through and
// every request reaches the daemon from 127.0.0.1.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/fault_site.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kTlsDir = std::string(HASHSINK_SOURCE_DIR) + "/tests/fixtures/tls";

// socat terminating TLS on a free loopback port and forwarding each connection to `to_port`.
struct TlsProxy {
    int port = free_port();
    std::unique_ptr<Child> child;

    explicit TlsProxy(int to_port, const std::string& log) {
        child = std::make_unique<Child>(
            std::vector<std::string>{"socat",
                                     "OPENSSL-LISTEN:" + std::to_string(port) +
                                         ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + kTlsDir +
                                         "/proxy.pem",
                                     "TCP:127.0.0.1:" + std::to_string(to_port)},
            log);
        REQUIRE(wait_for_port(port));
    }
    std::string origin() const { return "https://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE(
    "tls proxy: through a TLS-terminating proxy the page is served with the certificate the "
    "client checks, set-up, login and writes work, and a foreign Origin is still refused",
    "[e2e][web][tls]") {
    FaultSite site;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    start_until_mining(site, d, site.config(d.web_port));
    TlsProxy proxy(d.web_port, d.dir + "/socat.log");
    Browser browser(proxy.origin(), kTlsDir + "/proxy-cert.pem", 10s);

    auto page = browser.get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->body.find("<html") != std::string::npos);
    auto status = browser.get("/api/status");
    REQUIRE(status);
    REQUIRE(status->status == 200);
    CHECK(json::parse(status->body).value("tick", 0) > 0);

    // The first run's set-up with the logged code, then the admin's session, over TLS.
    log_in_as_admin(browser, d);
    // A write: the site's limit changed and saved from the page's set-up.
    auto config = browser.get("/api/config");
    REQUIRE(config);
    REQUIRE(config->status == 200);
    json doc = json::parse(config->body)["config"];
    doc["site"]["max_draw_w"] = 480;
    auto saved = browser.post("/api/config", json{{"config", doc}});
    REQUIRE(saved);
    INFO(saved->body);
    CHECK(saved->status == 200);
    auto reread = browser.get("/api/config");
    REQUIRE(reread);
    CHECK(json::parse(reread->body)["config"]["site"]["max_draw_w"] == 480);

    // The Origin check still holds behind the proxy: another site's page cannot write.
    Browser foreign(proxy.origin(), kTlsDir + "/proxy-cert.pem", 10s);
    foreign.cookie = browser.cookie;
    foreign.csrf = browser.csrf;
    foreign.origin = "https://evil.example";
    doc["site"]["max_draw_w"] = 5000;
    auto refused = foreign.post("/api/config", json{{"config", doc}});
    REQUIRE(refused);
    CHECK(refused->status == 403);

    // A client that does not trust the certificate gets nothing; nor does plain HTTP.
    httplib::Client untrusting(proxy.origin());
    untrusting.set_connection_timeout(2, 0);
    untrusting.enable_server_certificate_verification(true);
    untrusting.set_ca_cert_path("/nonexistent");
    CHECK_FALSE(untrusting.Get("/api/status"));
    httplib::Client plain("127.0.0.1", proxy.port);
    plain.set_connection_timeout(2, 0);
    plain.set_read_timeout(3, 0);
    auto in_clear = plain.Get("/api/status");
    CHECK((!in_clear || in_clear->status != 200));

    d.child->kill(SIGTERM);
    CHECK(d.wait_exit(30s) == 0);
}
