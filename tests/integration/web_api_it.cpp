// The web API against a real Site built in-process (journal, loop, web server) with the
// project's emulators on loopback: every route, with and without a login, with bad input.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/site_build.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using nlohmann::json;
using hashsink::test::Browser;

namespace {

struct Rig {
    sensors::sunspec::SunspecEmulator inverter;
    miners::axeos::AxeosEmulator a{{.board = "gamma", .hostname = "gamma-a"}};
    miners::axeos::AxeosEmulator b{{.board = "supra", .hostname = "supra-b"}};
    miners::axeos::AxeosEmulator c{{.board = "gamma", .hostname = "gamma-c"}};
    std::string dir = test::temp_dir();
    std::string config_path = dir + "/site.toml";
    SystemClock clock;
    std::unique_ptr<app::Site> site;
    int port = 0;

    Rig() {
        REQUIRE(inverter.start());
        REQUIRE(a.start());
        REQUIRE(b.start());
        REQUIRE(c.start());
        sensors::sunspec::InverterImage img;
        img.rating_w = 2000;
        img.wmax_w = 2000;
        img.ac_power_w = 300;
        img.dc_power_w = 310;
        img.state = InverterState::mppt;
        img.grid_power_w = -200;
        inverter.update(img);
        port = test::free_port();
        test::write_file(config_path, config());
        site = test::started_site(config_path, dir, clock);
        REQUIRE(test::wait_for_port(port, 10s));
        // The web server answers before the loop's first tick is published (/api/status says
        // 503 "starting" until then); under load that tick can come after the first requests.
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!site->loop().status_board().latest() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(10ms);
        REQUIRE(site->loop().status_board().latest());
    }
    std::string config() const {
        return "[site]\nmax_draw_w = 500\nperiod = \"200ms\"\nminer_poll_interval = \"1s\"\n"
               "[web]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
               "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\n"
               "port = " + std::to_string(inverter.port()) + "\n"
               "[[miners]]\nid = \"a\"\ndriver = \"axeos\"\nurl = \"" + a.url() + "\"\n"
               "[[miners]]\nid = \"b\"\ndriver = \"axeos\"\nurl = \"" + b.url() + "\"\n";
    }
};

// Every GET of `paths` by `who` answers `status`; a failure names its path.
void require_get_status(Browser& who, std::initializer_list<const char*> paths, int status) {
    for (const char* path : paths) {
        INFO("GET " << path);
        REQUIRE(who.get(path)->status == status);
    }
}

json body(const httplib::Result& r) {
    REQUIRE(r);
    return json::parse(r->body);
}

// Saves cfg from the page; the reply (returned) says the file was edited in place (its comments
// kept).
json save_edited_in_place(Browser& admin, const json& cfg) {
    auto r = admin.post("/api/config", json{{"config", cfg}});
    REQUIRE(r->status == 200);
    auto saved = json::parse(r->body);
    INFO(saved.dump());
    REQUIRE(saved["ok"] == true);
    CHECK(saved["note"].get<std::string>().find("edited in place") == 0);
    return saved;
}

template <class Pred>
json wait_status(Browser& b, Pred pred, std::chrono::seconds limit = 20s) {
    auto until = std::chrono::steady_clock::now() + limit;
    json last;
    while (std::chrono::steady_clock::now() < until) {
        auto r = b.get("/api/status");
        if (r && r->status == 200) {
            last = json::parse(r->body);
            if (pred(last)) return last;
        }
        std::this_thread::sleep_for(100ms);
    }
    return last;
}

// The first run done: the admin password set, admin logged in with its CSRF token.
void set_up_admin(Browser& admin) {
    auto setup = admin.post("/api/setup",
                            json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}});
    REQUIRE(setup->status == 200);
    REQUIRE_FALSE(admin.csrf.empty());
}

}  // namespace

TEST_CASE("web api: first run sets the password once, security headers on every answer",
          "[integration][web]") {
    Rig rig;
    Browser admin(rig.port), anon(rig.port);

    // Before the first password: status is public, set-up is not.
    auto s = body(anon.get("/api/session"));
    REQUIRE(s["setup_needed"] == true);
    REQUIRE(anon.get("/api/status")->status == 200);
    require_get_status(anon,
                       {"/api/config", "/api/catalog", "/api/events", "/api/history?range=hour",
                        "/api/history/signals?range=hour&name=grid.power_w"},
                       401);
    REQUIRE(anon.post("/api/config", json{{"config", json::object()}})->status == 401);
    REQUIRE(anon.post("/api/override", json{{"mode", "off"}, {"minutes", 5}})->status == 401);

    // Security headers on every answer.
    auto page = anon.get("/");
    REQUIRE(page->status == 200);
    REQUIRE(page->get_header_value("Content-Security-Policy").find("default-src 'self'") !=
            std::string::npos);
    REQUIRE(page->get_header_value("X-Frame-Options") == "DENY");
    REQUIRE(page->get_header_value("X-Content-Type-Options") == "nosniff");
    // ...the health check, an unknown path, a refusal and a refused cross-origin write too.
    auto expect_security_headers = [](const httplib::Result& answer) {
        REQUIRE(answer);
        INFO(answer->status);
        CHECK(answer->get_header_value("X-Content-Type-Options") == "nosniff");
        CHECK(answer->get_header_value("Cache-Control") == "no-store");
        CHECK(answer->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'") !=
              std::string::npos);
    };
    expect_security_headers(anon.get("/healthz"));
    expect_security_headers(anon.get("/no/such/page"));
    expect_security_headers(anon.get("/api/events"));
    expect_security_headers(anon.http.Post(
        "/api/login", httplib::Headers{{"Origin", "http://evil.example"}}, "{}", "application/json"));
    REQUIRE(anon.http.Post("/api/login", httplib::Headers{{"Origin", "http://evil.example"}}, "{}",
                           "application/json")->status == 403);

    // First run: without the setup code from the daemon's log, or with a wrong one, refused;
    // the session says a code is needed, and no answer carries it.
    REQUIRE(s["setup_code_required"] == true);
    REQUIRE(s.dump().find(test::kSetupCode) == std::string::npos);
    auto no_code = admin.post("/api/setup", json{{"password", "correct horse"}});
    REQUIRE(no_code->status == 403);
    REQUIRE(body(no_code)["error"].get<std::string>().find("setup_code") == 0);
    REQUIRE(no_code->body.find(test::kSetupCode) == std::string::npos);
    REQUIRE(
        admin
            .post("/api/setup", json{{"password", "correct horse"}, {"setup_code", "WRONG-C0DE2"}})
            ->status == 403);
    REQUIRE(
        admin.post("/api/setup", json{{"password", "correct horse"}, {"setup_code", 42}})->status ==
        403);
    REQUIRE(body(anon.get("/api/session"))["setup_needed"] == true);
    // A short password, a form post and junk are refused, with the right code too.
    const auto with_code = [](json password) {
        return json{{"password", std::move(password)}, {"setup_code", test::kSetupCode}};
    };
    REQUIRE(admin.post("/api/setup", with_code("short"))->status == 400);
    REQUIRE(admin.post("/api/setup", with_code(12345678))->status == 400);
    REQUIRE(admin
                .post("/api/setup", with_code("long enough"), false,
                      "application/x-www-form-urlencoded")
                ->status == 415);
    REQUIRE(admin.http.Post("/api/setup", "{nope", "application/json")->status == 400);
    // The code as a person types it: lower case, without the dash.
    auto setup =
        admin.post("/api/setup", json{{"password", "correct horse"}, {"setup_code", "testsetup2"}});
    REQUIRE(setup->status == 200);
    REQUIRE(setup->get_header_value("Set-Cookie").find("HttpOnly") != std::string::npos);
    REQUIRE(setup->get_header_value("Set-Cookie").find("SameSite=Strict") != std::string::npos);
    REQUIRE_FALSE(admin.csrf.empty());
    REQUIRE(anon.post("/api/setup", json{{"password", "another one"}})->status == 409);
    // Once the password is set, the code is void.
    REQUIRE(anon.post("/api/setup", with_code("another one"))->status == 409);
    REQUIRE(body(anon.get("/api/session"))["setup_code_required"] == false);
    // The file holds a salted slow hash, never the password.
    auto auth_text = test::read_file(rig.dir + "/hashsink-auth.json");
    REQUIRE(auth_text.find("correct horse") == std::string::npos);
    REQUIRE(auth_text.find("pbkdf2-hmac-sha256") != std::string::npos);
}

TEST_CASE("web api: ten wrong setup codes replace the code and pause the first run",
          "[integration][web]") {
    Rig rig;
    Browser guesser(rig.port);
    for (int i = 0; i < 10; ++i) {
        INFO("guess " << i);
        REQUIRE(guesser
                    .post("/api/setup", json{{"password", "correct horse"},
                                             {"setup_code", "GUESS-" + std::to_string(10000 + i)}})
                    ->status == 403);
    }
    // Now even the code printed at start is refused, with how long to wait.
    auto paused = guesser.post(
        "/api/setup", json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}});
    REQUIRE(paused->status == 429);
    REQUIRE(std::stoi(paused->get_header_value("Retry-After")) > 0);
    REQUIRE(body(paused)["error"].get<std::string>().find("new one") != std::string::npos);
    REQUIRE(body(guesser.get("/api/session"))["setup_needed"] == true);
}

TEST_CASE("web api: the catalog and the config, writes need CSRF and the same origin",
          "[integration][web]") {
    Rig rig;
    Browser admin(rig.port);
    set_up_admin(admin);

    // The catalog: the key tables as JSON.
    auto cat = body(admin.get("/api/catalog"));
    REQUIRE(cat["miner_drivers"].contains("axeos"));
    REQUIRE(cat["sections"]["site"].is_array());
    bool saw_max_draw = false;
    for (const auto& k : cat["sections"]["site"])
        if (k["name"] == "max_draw_w") {
            saw_max_draw = true;
            REQUIRE(k["required"] == true);
            REQUIRE(k["unit"] == "W");
            REQUIRE(k["min"] == 1);
        }
    REQUIRE(saw_max_draw);

    // The config as JSON; writes need the CSRF token and a same-origin Origin.
    auto cfg = body(admin.get("/api/config"))["config"];
    REQUIRE(cfg["miners"].size() == 2);
    REQUIRE(admin.post("/api/config", json{{"config", cfg}}, false)->status == 403);
    {
        httplib::Headers h = admin.headers();
        h.emplace("Origin", "http://evil.example");
        REQUIRE(admin.http.Post("/api/config", h, json{{"config", cfg}}.dump(),
                                "application/json")->status == 403);
    }

    // A bad value comes back at its key path, and nothing is written.
    json bad = cfg;
    bad["site"]["max_draw_w"] = -5;
    bad["miners"][1]["url"] = 42;
    auto r = admin.post("/api/config", json{{"config", bad}});
    REQUIRE(r->status == 422);
    auto errors = json::parse(r->body)["errors"];
    std::set<std::string> paths;
    for (const auto& e : errors) paths.insert(e["path"].get<std::string>());
    REQUIRE(paths.count("site.max_draw_w") == 1);
    REQUIRE(paths.count("miners[1].url") == 1);
    REQUIRE(body(admin.get("/api/config/versions"))["versions"].empty());
    REQUIRE(admin.post("/api/config/validate", json{{"config", bad}})->status == 422);
    REQUIRE(admin.post("/api/config/validate", json{{"config", cfg}})->status == 200);
    REQUIRE(admin.post("/api/config", json{{"nothing", 1}})->status == 400);
    REQUIRE(admin.post("/api/config", json{{"config", {{"bogus", 1}}}})->status == 422);
}

TEST_CASE("web api: test buttons, scan and overrides, bad input refused", "[integration][web]") {
    Rig rig;
    Browser admin(rig.port), anon(rig.port);
    set_up_admin(admin);

    // Test buttons: what the device says, or why not.
    auto t = body(admin.post("/api/test/miner", json{{"miner", {{"driver", "axeos"}, {"url", rig.c.url()}}}}));
    REQUIRE(t["ok"] == true);
    REQUIRE(t["caps"]["levels"].size() > 1);
    REQUIRE(t["state"]["model"].is_string());
    t = body(admin.post("/api/test/miner",
                        json{{"miner", {{"driver", "axeos"}, {"url", "http://127.0.0.1:" +
                                                              std::to_string(test::free_port())},
                                        {"timeout", "300ms"}}}}));
    REQUIRE(t["ok"] == false);
    REQUIRE_FALSE(t["error"].get<std::string>().empty());
    REQUIRE(admin.post("/api/test/miner", json{{"miner", {{"driver", "nope"}}}})->status == 422);
    REQUIRE(admin.post("/api/test/miner", json{{"miner", "x"}})->status == 400);
    auto ts = body(admin.post("/api/test/source",
                              json{{"source", {{"type", "sunspec"}, {"host", "127.0.0.1"},
                                               {"port", rig.inverter.port()}}}}));
    REQUIRE(ts["ok"] == true);
    REQUIRE(ts["values"].contains("grid.power_w"));

    // Scan: finds the emulated miner on loopback; bad ranges are refused with the reason.
    auto found = body(admin.post("/api/scan", json{{"cidr", "127.0.0.1/32"}, {"http_port", rig.c.port()},
                                                   {"api_port", rig.c.port()}}));
    REQUIRE(found["miners"].size() == 1);
    REQUIRE(found["miners"][0]["driver"] == "axeos");
    REQUIRE(found["miners"][0]["url"] == rig.c.url());
    REQUIRE(admin.post("/api/scan", json{{"cidr", "10.0.0.0/8"}})->status == 400);
    REQUIRE(admin.post("/api/scan", json{{"cidr", 5}})->status == 400);
    REQUIRE(admin.post("/api/scan", json{{"cidr", "127.0.0.1/32"}, {"http_port", 0}})->status == 400);
    REQUIRE(anon.post("/api/scan", json{{"cidr", "127.0.0.1/32"}})->status == 401);

    // Overrides: validated (the loop's entry point may or may not be built in).
    REQUIRE(admin.post("/api/override", json{{"mode", "sideways"}})->status == 400);
    REQUIRE(admin.post("/api/override", json{{"mode", "max"}, {"minutes", 0}})->status == 400);
    REQUIRE(admin.post("/api/override", json{{"mode", "max"}, {"minutes", "5"}})->status == 400);
}

TEST_CASE("web api: events and history refuse bad parameters, a viewer reads and never writes",
          "[integration][web]") {
    Rig rig;
    Browser admin(rig.port);
    set_up_admin(admin);
    auto cfg = body(admin.get("/api/config"))["config"];

    // Events and history, with bad parameters refused.
    REQUIRE(body(admin.get("/api/events"))["events"].is_array());
    require_get_status(
        admin,
        {"/api/events?after=x", "/api/events?limit=0", "/api/history?range=year",
         "/api/history?from=10&to=5", "/api/history?from=0&to=9999999999999&bucket=1000",
         "/api/history?range=hour&bucket=10"},
        400);

    // A viewer reads, never writes.
    REQUIRE(admin.post("/api/password", json{{"user", "viewer"}, {"password", "sofa-viewer"}})->status == 200);
    Browser viewer(rig.port);
    REQUIRE(viewer.post("/api/login", json{{"user", "viewer"}, {"password", "sofa-viewer"}})->status == 200);
    REQUIRE(body(viewer.get("/api/session"))["role"] == "viewer");
    REQUIRE(viewer.get("/api/history?range=hour")->status == 200);
    REQUIRE(viewer.get("/api/events")->status == 200);
    REQUIRE(viewer.get("/api/config")->status == 403);
    REQUIRE(viewer.post("/api/config", json{{"config", cfg}})->status == 403);
    REQUIRE(viewer.post("/api/override", json{{"mode", "off"}, {"minutes", 5}})->status == 403);
    REQUIRE(viewer.post("/api/logout", json::object())->status == 200);
    REQUIRE(viewer.get("/api/events")->status == 401);
}

TEST_CASE("web api: after five failed logins the address waits, even with the right password",
          "[integration][web]") {
    Rig rig;
    Browser admin(rig.port);
    set_up_admin(admin);

    // Login rate limiting: after five failures the address waits, even with the right password.
    Browser guesser(rig.port);
    for (int i = 0; i < 5; ++i)
        REQUIRE(guesser.post("/api/login", json{{"user", "admin"}, {"password", "guess" + std::to_string(i)}})->status == 401);
    auto limited = guesser.post("/api/login", json{{"user", "admin"}, {"password", "correct horse"}});
    REQUIRE(limited->status == 429);
    REQUIRE(limited->has_header("Retry-After"));
}

TEST_CASE("web api: save applies without restart, keeps versions, restores", "[integration][web]") {
    Rig rig;
    Browser admin(rig.port);
    REQUIRE(admin
                .post("/api/setup",
                      json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}})
                ->status == 200);
    auto st = wait_status(admin, [](const json& s) {
        return s["miners"].size() == 2 && s["miners"][0]["online"] == true;
    });
    REQUIRE(st["miners"].size() == 2);
    const auto tick_before = st["tick"].get<std::uint64_t>();

    // Add miner c, change the site's cap: saved, applied, the loop goes on.
    auto cfg = body(admin.get("/api/config"))["config"];
    cfg["miners"].push_back({{"id", "c"}, {"driver", "axeos"}, {"url", rig.c.url()}});
    cfg["site"]["max_draw_w"] = 450;
    auto r = admin.post("/api/config", json{{"config", cfg}});
    REQUIRE(r->status == 200);
    auto saved = json::parse(r->body);
    INFO(saved.dump());
    REQUIRE(saved["ok"] == true);
    REQUIRE(saved["message"].get<std::string>().find("miner c") != std::string::npos);
    REQUIRE(saved["message"].get<std::string>().find("unchanged: source inverter, miner a, miner b") !=
            std::string::npos);
    st = wait_status(admin, [](const json& s) {
        return s["miners"].size() == 3 && s["miners"][2]["online"] == true;
    });
    REQUIRE(st["miners"].size() == 3);
    REQUIRE(st["miners"][0]["online"] == true);   // kept: never went offline
    REQUIRE(st["tick"].get<std::uint64_t>() > tick_before);   // same loop, same tick count
    REQUIRE(test::read_file(rig.config_path).find(rig.c.url()) != std::string::npos);

    // The previous file is a version; restoring it brings two miners back.
    auto versions = body(admin.get("/api/config/versions"))["versions"];
    REQUIRE(versions.size() == 1);
    auto old = body(admin.get("/api/config/versions/" + versions[0]["id"].get<std::string>()));
    REQUIRE(old["config"]["miners"].size() == 2);
    REQUIRE(admin.get("/api/config/versions/../../etc")->status >= 400);
    REQUIRE(admin.get("/api/config/versions/12345")->status == 404);
    REQUIRE(admin.post("/api/config/restore", json{{"id", "../x"}})->status == 400);
    r = admin.post("/api/config/restore", json{{"id", versions[0]["id"]}});
    REQUIRE(r->status == 200);
    REQUIRE(json::parse(r->body)["ok"] == true);
    st = wait_status(admin, [](const json& s) { return s["miners"].size() == 2; });
    REQUIRE(st["miners"].size() == 2);
    REQUIRE(body(admin.get("/api/config/versions"))["versions"].size() == 2);
    REQUIRE(test::read_file(rig.config_path).find(rig.c.url()) == std::string::npos);

    // The journal saw it, and the history has rows and a CSV.
    auto events = body(admin.get("/api/events?limit=1000"))["events"];
    bool applied = false;
    for (const auto& e : events) applied = applied || e["code"] == "config.applied";
    REQUIRE(applied);
    auto last_id = body(admin.get("/api/events"))["last_id"].get<std::int64_t>();
    REQUIRE(body(admin.get("/api/events?after=" + std::to_string(last_id)))["events"].empty());
    rig.site->journal().flush();
    auto h = body(admin.get("/api/history?range=hour&bucket=1000"));
    REQUIRE(h["series"]["t"].size() >= 1);
    REQUIRE(h["series"]["grid_w"].size() == h["series"]["t"].size());
    // Any signals' history side by side; bad names are refused.
    auto sig = body(admin.get("/api/history/signals?range=hour&bucket=1000&name=grid.power_w"
                              "&name=no.such_signal"));
    REQUIRE(sig["series"]["t"].size() >= 1);
    CHECK(sig["series"]["grid.power_w"].size() == sig["series"]["t"].size());
    CHECK(sig["series"]["no.such_signal"][0].is_null());
    CHECK(admin.get("/api/history/signals?range=hour")->status == 400);
    CHECK(admin.get("/api/history/signals?range=hour&name=" + std::string(129, 'x'))->status ==
          400);
    auto csv = admin.get("/api/history.csv?range=hour");
    REQUIRE(csv->status == 200);
    REQUIRE(csv->body.rfind("time,ts_ms,pv_w,grid_w", 0) == 0);
    REQUIRE(csv->get_header_value("Content-Type").find("text/csv") == 0);
    // The CSV of an hour is every reading; of a month, the minute rollups. The charts: 10 s
    // raw, 5 min and 2 h from the rollups, which already hold this test's rows.
    CHECK(csv->get_header_value("X-Hashsink-Resolution") == "raw");
    CHECK(csv->get_header_value("X-Hashsink-Bucket-Ms") == "1000");
    auto month_csv = admin.get("/api/history.csv?range=month");
    REQUIRE(month_csv->status == 200);
    CHECK(month_csv->get_header_value("X-Hashsink-Resolution") == "1m");
    CHECK(month_csv->get_header_value("X-Hashsink-Bucket-Ms") == "60000");
    CHECK(month_csv->body.find('\n') < month_csv->body.size() - 1);   // a header and rows
    for (auto [range, bucket, resolution] : {std::tuple{"hour", 10'000, "raw"},
                                            std::tuple{"day", 300'000, "1m"},
                                            std::tuple{"month", 7'200'000, "1h"}}) {
        auto hj = body(admin.get(std::string("/api/history?range=") + range));
        CHECK(hj["bucket_ms"] == bucket);
        CHECK(hj["resolution"] == resolution);
        CHECK(hj["series"]["t"].size() >= 1);
        CHECK(hj["series"]["t"].size() <= 500);
    }
}

TEST_CASE("web api: a commented file saved from the page keeps its comments and key order",
          "[integration][web]") {
    Rig rig;
    // The installer's file: the same site, with comments and keys in their own order.
    const std::string commented =
        "# Installed by Anna, 2026-03. Call before changing the cap.\n"
        "[site]\n"
        "period = \"200ms\"            # fast, for the test\n"
        "# the breaker allows more, the cable does not\n"
        "max_draw_w = 500\n"
        "miner_poll_interval = \"1s\"\n"
        "[web]\nlisten = \"127.0.0.1:" + std::to_string(rig.port) + "\"\n"
        "# the roof\n"
        "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\n"
        "port = " + std::to_string(rig.inverter.port()) + "\n"
        "# desk miner\n"
        "[[miners]]\nid = \"a\"\ndriver = \"axeos\"\nurl = \"" + rig.a.url() + "\"\n"
        "# shelf miner, going away\n"
        "[[miners]]\nid = \"b\"\ndriver = \"axeos\"\nurl = \"" + rig.b.url() + "\"\n";
    test::write_file(rig.config_path, commented);
    Browser admin(rig.port);
    REQUIRE(admin
                .post("/api/setup",
                      json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}})
                ->status == 200);

    auto cfg = body(admin.get("/api/config"))["config"];
    cfg["site"]["max_draw_w"] = 450;
    cfg["site"].erase("miner_poll_interval");
    cfg["miners"].erase(1);
    cfg["miners"].push_back({{"id", "c"}, {"driver", "axeos"}, {"url", rig.c.url()}});
    const json saved = save_edited_in_place(admin, cfg);

    const std::string file = test::read_file(rig.config_path);
    INFO(file);
    for (const char* kept : {"# Installed by Anna", "\"200ms\"            # fast, for the test",
                             "# the breaker allows more", "# the roof", "# desk miner"})
        CHECK(file.find(kept) != std::string::npos);
    CHECK(file.find("max_draw_w = 450\n") != std::string::npos);
    CHECK(file.find("period") < file.find("max_draw_w"));   // the installer's order
    CHECK(file.find("miner_poll_interval") == std::string::npos);
    CHECK(file.find("# shelf miner") == std::string::npos);  // went with its miner
    CHECK(file.find(rig.b.url()) == std::string::npos);
    CHECK(file.find(rig.c.url()) > file.find(rig.a.url()));
    // The file reads back as the page meant it.
    auto back = config::load_string(file, rig.config_path, app::build_catalog());
    REQUIRE(back.ok());
    auto doc = body(admin.get("/api/config"))["config"];
    CHECK(doc["site"]["max_draw_w"] == 450);
    CHECK_FALSE(doc["site"].contains("miner_poll_interval"));
    REQUIRE(doc["miners"].size() == 2);
    CHECK(doc["miners"][1]["id"] == "c");
    CHECK(body(admin.get("/api/config"))["note"] == saved["note"]);

    // Reordering the miners is beyond splicing: a full rewrite, and the answer says so.
    std::swap(doc["miners"][0], doc["miners"][1]);
    auto r = admin.post("/api/config", json{{"config", doc}});
    REQUIRE(r->status == 200);
    CHECK(json::parse(r->body)["note"].get<std::string>().find("rewritten in full") == 0);
    CHECK(test::read_file(rig.config_path).find("# Installed by Anna") == std::string::npos);
    auto versions = body(admin.get("/api/config/versions"))["versions"];
    REQUIRE(versions.size() == 2);
    CHECK(versions[0]["note"].get<std::string>().find("edited in place") == 0);
    CHECK(versions[1]["note"] == "");   // the hand-written file
    auto restored = admin.post("/api/config/restore", json{{"id", versions[1]["id"]}});
    REQUIRE(restored->status == 200);
    CHECK(test::read_file(rig.config_path) == commented);
    CHECK(json::parse(restored->body)["note"] ==
          "restored version " + versions[1]["id"].get<std::string>());
}

TEST_CASE("web api: heat zones (arrays of tables) edited, added and removed from the page",
          "[integration][web]") {
    Rig rig;
    const std::string commented =
        "[site]\nmax_draw_w = 500\nperiod = \"200ms\"\nminer_poll_interval = \"1s\"\n"
        "[web]\nlisten = \"127.0.0.1:" + std::to_string(rig.port) + "\"\n"
        "[policy]\nuse = \"heat_demand\"\n"
        "[policy.heat_demand]\nutc_offset_min = 60   # CET\n"
        "# the living room, warmed by the desk miner\n"
        "[[policy.heat_demand.zones]]\nid = \"living\"\nminers = [\"a\"]\n"
        "temperature = \"living.temp_c\"\nmax_power_w = 400\ncomfort_c = 21.0   # as Anna likes it\n"
        "comfort = [\"mon-fri 06:00-08:30\"]\n"
        "# the shelf, going away\n"
        "[[policy.heat_demand.zones]]\nid = \"shelf\"\nminers = [\"b\"]\n"
        "temperature = \"shelf.temp_c\"\nmax_power_w = 300\n"
        "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\n"
        "port = " + std::to_string(rig.inverter.port()) + "\n"
        "[[miners]]\nid = \"a\"\ndriver = \"axeos\"\nurl = \"" + rig.a.url() + "\"\n"
        "[[miners]]\nid = \"b\"\ndriver = \"axeos\"\nurl = \"" + rig.b.url() + "\"\n";
    REQUIRE(config::load_string(commented, rig.config_path, app::build_catalog()).ok());
    test::write_file(rig.config_path, commented);
    Browser admin(rig.port);
    REQUIRE(admin
                .post("/api/setup",
                      json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}})
                ->status == 200);

    // The catalog gives the form each entry's fields with their own type, unit and range.
    auto catalog = body(admin.get("/api/catalog"));
    json zones_spec;
    for (const auto& k : catalog["policies"]["heat_demand"]["keys"])
        if (k["name"] == "zones") zones_spec = k;
    REQUIRE(zones_spec["type"] == "array of tables");
    bool comfort_found = false;
    for (const auto& f : zones_spec["fields"])
        if (f["name"] == "comfort_c") {
            comfort_found = true;
            CHECK(f["type"] == "number");
            CHECK(f["max"] == 80.0);
        }
    CHECK(comfort_found);

    auto cfg = body(admin.get("/api/config"))["config"];
    auto& zones = cfg["policy"]["heat_demand"]["zones"];
    REQUIRE(zones.size() == 2);
    CHECK(zones[0]["id"] == "living");
    CHECK(zones[0]["comfort"] == json::array({"mon-fri 06:00-08:30"}));

    // A value out of range in the second zone: 422 naming that zone's field, nothing written.
    json bad = cfg;
    bad["policy"]["heat_demand"]["zones"][1]["comfort_c"] = 99;
    auto r = admin.post("/api/config", json{{"config", bad}});
    REQUIRE(r->status == 422);
    auto errors = json::parse(r->body)["errors"];
    INFO(errors.dump());
    REQUIRE(errors.size() >= 1);
    CHECK(errors[0]["path"] == "policy.heat_demand.zones[1].comfort_c");
    // A zone that is not a table: a shape error at the entry.
    bad = cfg;
    bad["policy"]["heat_demand"]["zones"][1] = "shelf";
    r = admin.post("/api/config", json{{"config", bad}});
    REQUIRE(r->status == 422);
    CHECK(json::parse(r->body)["errors"][0]["path"] == "policy.heat_demand.zones[1]");
    CHECK(test::read_file(rig.config_path) == commented);

    // Edit a field of one zone, remove the other, add a new one.
    zones[0]["comfort_c"] = 20.5;
    zones.erase(1);
    zones.push_back({{"id", "den"}, {"miners", {"b"}}, {"temperature", "den.temp_c"},
                     {"setback_c", 15}, {"min_run", "10m"}, {"max_power_w", 250}});
    save_edited_in_place(admin, cfg);

    const std::string file = test::read_file(rig.config_path);
    INFO(file);
    for (const char* kept : {"utc_offset_min = 60   # CET", "# the living room, warmed by",
                             "comfort_c = 20.5   # as Anna likes it"})
        CHECK(file.find(kept) != std::string::npos);
    CHECK(file.find("# the shelf") == std::string::npos);   // went with its zone
    CHECK(file.find("shelf.temp_c") == std::string::npos);
    CHECK(file.find("[[policy.heat_demand.zones]]\nid = \"den\"") != std::string::npos);
    CHECK(file.find("den.temp_c") > file.find("living.temp_c"));
    CHECK(file.find("den.temp_c") < file.find("[[sources]]"));

    // Reloaded: the file reads back as the page meant it.
    REQUIRE(config::load_string(file, rig.config_path, app::build_catalog()).ok());
    auto back = body(admin.get("/api/config"))["config"]["policy"]["heat_demand"]["zones"];
    REQUIRE(back.size() == 2);
    CHECK(back[0]["id"] == "living");
    CHECK(back[0]["comfort_c"] == 20.5);
    CHECK(back[0]["comfort"] == json::array({"mon-fri 06:00-08:30"}));
    CHECK(back[1]["id"] == "den");
    CHECK(back[1]["miners"] == json::array({"b"}));
    CHECK(back[1]["setback_c"] == 15);
    CHECK(back[1]["min_run"] == "10m");
}

TEST_CASE("web api: a Modbus source needs exactly one of host and device, at the field",
          "[integration][web]") {
    Rig rig;
    Browser admin(rig.port);
    REQUIRE(admin
                .post("/api/setup",
                      json{{"password", "correct horse"}, {"setup_code", test::kSetupCode}})
                ->status == 200);
    auto cfg = body(admin.get("/api/config"))["config"];
    const auto index = cfg["sources"].size();
    const std::string at = "sources[" + std::to_string(index) + "].";
    auto errors_of = [&](const json& source) {
        json c = cfg;
        c["sources"].push_back(source);
        auto r = admin.post("/api/config/validate", json{{"config", c}});
        REQUIRE(r->status == 422);
        std::map<std::string, std::string> out;
        const json answer = json::parse(r->body);
        for (const auto& e : answer["errors"])
            out[e["path"].get<std::string>()] = e["message"].get<std::string>();
        return out;
    };
    json genset = {{"id", "genset"}, {"type", "modbus"}, {"profile", "dse_gencomm"}};

    // The form sends empty fields as "": neither address is an error at host.
    json neither = genset;
    neither["host"] = "";
    neither["device"] = "";
    auto e = errors_of(neither);
    REQUIRE(e.count(at + "host") == 1);
    CHECK_THAT(e[at + "host"], Catch::Contains("exactly one of host and device"));

    json both = genset;
    both["host"] = "192.0.2.20";
    both["device"] = "/dev/ttyUSB0";
    e = errors_of(both);
    REQUIRE(e.count(at + "device") == 1);
    CHECK_THAT(e[at + "device"], Catch::Contains("host is given too"));

    // Saving takes the same path: refused, and nothing is written.
    json c = cfg;
    c["sources"].push_back(both);
    REQUIRE(admin.post("/api/config", json{{"config", c}})->status == 422);
    REQUIRE(body(admin.get("/api/config/versions"))["versions"].empty());

    // The catalog marks the pair for the form.
    auto catalog = body(admin.get("/api/catalog"));
    int grouped = 0;
    for (const auto& k : catalog["source_types"]["modbus"]["keys"])
        if (k.contains("one_of")) ++grouped;
    CHECK(grouped == 2);

    json rtu = genset;
    rtu["host"] = "";
    rtu["device"] = "/dev/ttyUSB0";
    c = cfg;
    c["sources"].push_back(rtu);
    REQUIRE(admin.post("/api/config/validate", json{{"config", c}})->status == 200);
}
