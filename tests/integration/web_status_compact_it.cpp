// GET /api/status?view=compact over HTTP from the real web server, with a status of 2,500
// S19-like miners on its board: every page in turn, the totals against the rows, bad parameters
// answered 400 with their name, and the full form as before.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/status_fleet.hpp"
#include "web/server.hpp"

using namespace hashsink;
using nlohmann::json;

namespace {

struct FleetSite {
    loop::StatusBoard board;
    SystemClock clock;
    web::WebServer server{board, clock};
    std::unique_ptr<httplib::Client> http;

    explicit FleetSite(std::size_t miners) {
        auto st = test::s19_fleet_status(miners);
        for (std::size_t i = 0; i < miners; i += 10) {
            st.miners[i].online = false;
            st.miners[i].last_error = "connect: refused";
        }
        board.publish(std::make_shared<const loop::LoopStatus>(std::move(st)));
        REQUIRE(server.start("127.0.0.1:0").ok());
        http = std::make_unique<httplib::Client>("127.0.0.1", server.port());
        http->set_read_timeout(20, 0);
    }

    std::pair<int, json> get(const std::string& path) {
        auto r = http->Get(path);
        REQUIRE(r);
        return {r->status, json::parse(r->body)};
    }
};

}  // namespace

TEST_CASE("compact status over HTTP: every page once, totals equal the rows' sum", "[web]") {
    FleetSite site(2500);
    std::set<std::string> ids;
    std::size_t online = 0, mining = 0, in_fault = 0;
    json fleet;
    for (std::size_t offset = 0; offset < 3000; offset += 1000) {
        auto [status, page] =
            site.get("/api/status?view=compact&offset=" + std::to_string(offset) + "&limit=1000");
        REQUIRE(status == 200);
        CHECK(page["page"] == json{{"offset", offset}, {"limit", 1000}, {"total", 2500}});
        CHECK(page["miners"].size() == std::min<std::size_t>(1000, 2500 - offset));
        for (const auto& row : page["miners"]) {
            ids.insert(row["id"].get<std::string>());
            online += row["online"].get<bool>();
            mining += row["online"].get<bool>() && row["state"] == "mining";
            in_fault += !row["error"].get<std::string>().empty();
            CHECK_FALSE(row.contains("caps"));
        }
        CHECK((fleet.is_null() || fleet == page["fleet"]));
        fleet = page["fleet"];
    }
    CHECK(ids.size() == 2500);
    CHECK(fleet["miners"] == 2500);
    CHECK(fleet["online"] == online);
    CHECK(fleet["offline"] == 2500 - online);
    CHECK(fleet["mining"] == mining);
    CHECK(fleet["in_fault"] == in_fault);
    CHECK(in_fault == 250);

    auto [status, past] = site.get("/api/status?view=compact&offset=2500");
    CHECK(status == 200);
    CHECK(past["miners"].empty());
    CHECK(past["page"]["limit"] == 100);  // the default
}

TEST_CASE("compact status over HTTP: bad parameters answer 400 naming them", "[web]") {
    FleetSite site(10);
    for (auto [path, error] : std::initializer_list<std::pair<const char*, const char*>>{
             {"/api/status?view=small", "view: expected full or compact, got 'small'"},
             {"/api/status?view=compact&limit=0", "limit: expected 1 to 1000, got 0"},
             {"/api/status?view=compact&limit=100000", "limit: expected 1 to 1000, got 100000"},
             {"/api/status?view=compact&offset=-5", "offset: expected a whole number, got '-5'"},
             {"/api/status?view=compact&limit=ten", "limit: expected a whole number, got 'ten'"},
             {"/api/status?view=compact&offset=%00",
              "offset: expected a whole number, got '\\u0000'"},
             {"/api/status?limit=5", "limit: pages only the compact form (view=compact)"},
             {"/api/status?view=compact&view=full", "view: given more than once"}}) {
        INFO(path);
        auto [status, body] = site.get(path);
        CHECK(status == 400);
        if (std::string(error).find("\\u") == std::string::npos) CHECK(body["error"] == error);
    }
    // The server still answers after them.
    CHECK(site.get("/api/status?view=compact").first == 200);
}

TEST_CASE("compact status over HTTP: the full form is unchanged beside it", "[web]") {
    FleetSite site(3);
    auto [status, full] = site.get("/api/status");
    REQUIRE(status == 200);
    REQUIRE(full["miners"].size() == 3);
    CHECK(full["miners"][0].contains("caps"));
    CHECK(full["miners"][0].contains("driver"));
    CHECK_FALSE(full.contains("fleet"));
    CHECK_FALSE(full.contains("page"));
    auto [lean_status, lean] = site.get("/api/status?caps=0&view=full");
    CHECK(lean_status == 200);
    CHECK_FALSE(lean["miners"][0].contains("caps"));
    CHECK(lean["web"].contains("connections"));
}
