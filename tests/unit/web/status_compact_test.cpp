// The compact status (GET /api/status?view=compact): its query, its fleet totals over every
// miner and its pages of short rows.
#include "web/api/status_compact.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "tests/support/status_fleet.hpp"
#include "web/api/status_json.hpp"

using namespace hashsink;
using nlohmann::json;

namespace {

using Params = std::multimap<std::string, std::string>;

// The error of a query that must be refused.
std::string refusal(const Params& params) {
    auto q = web::parse_status_query(params);
    REQUIRE_FALSE(q);
    return q.error().message;
}

// A fleet with one of each: mining, paused, overheated, offline with an error, online with a
// failed write and a long error.
loop::LoopStatus mixed_fleet() {
    auto st = test::s19_fleet_status(5);
    st.miners[1].state->state = MinerRunState::paused;
    st.miners[1].state->hashrate_ths = 0;
    st.miners[1].target.run = false;
    st.miners[2].state->state = MinerRunState::overheated;
    st.miners[3].online = false;
    st.miners[3].last_error = "connect: refused";
    st.miners[4].last_error = std::string(70, 'x') + "é" + std::string(100, 'y');
    return st;
}

}  // namespace

TEST_CASE("status query: defaults, the compact view and its page", "[web]") {
    auto full = web::parse_status_query({});
    REQUIRE(full);
    CHECK_FALSE(full->compact);
    CHECK(full->with_caps);
    CHECK_FALSE(web::parse_status_query({{"caps", "0"}})->with_caps);
    CHECK(web::parse_status_query({{"caps", "yes"}})->with_caps);  // as before: only 0 drops them
    auto page = web::parse_status_query({{"view", "compact"}, {"offset", "20"}, {"limit", "50"}});
    REQUIRE(page);
    CHECK(page->compact);
    CHECK(page->offset == 20);
    CHECK(page->limit == 50);
    auto first = web::parse_status_query({{"view", "compact"}});
    CHECK(first->offset == 0);
    CHECK(first->limit == web::kCompactDefaultLimit);
    CHECK(web::parse_status_query({{"view", "compact"}, {"limit", "1000"}})->limit == 1000);
    CHECK(web::parse_status_query({{"view", "full"}, {"t", "123"}}));  // unknown: left alone
}

TEST_CASE("status query: a bad parameter is refused with its name", "[web]") {
    CHECK(refusal({{"view", "tiny"}}) == "view: expected full or compact, got 'tiny'");
    CHECK(refusal({{"view", "compact"}, {"limit", "0"}}) == "limit: expected 1 to 1000, got 0");
    CHECK(refusal({{"view", "compact"}, {"limit", "1001"}}) ==
          "limit: expected 1 to 1000, got 1001");
    for (const char* text : {"-1", "", "1e3", " 5", "0x10", "99999999999999999999", "5.0"}) {
        INFO(text);
        CHECK(refusal({{"view", "compact"}, {"offset", text}})
                  .rfind("offset: expected a whole number", 0) == 0);
        CHECK(refusal({{"view", "compact"}, {"limit", text}})
                  .rfind("limit: expected a whole number", 0) == 0);
    }
    CHECK(refusal({{"offset", "10"}}) == "offset: pages only the compact form (view=compact)");
    CHECK(refusal({{"view", "compact"}, {"limit", "5"}, {"limit", "6"}}) ==
          "limit: given more than once");
}

TEST_CASE("compact status: fleet totals over every miner, rows of the page only", "[web]") {
    auto st = mixed_fleet();
    st.planned_w = 9750;
    st.measured_w = 9630;
    web::StatusQuery q;
    q.compact = true;
    q.limit = 2;
    auto j = web::compact_status_json(st, st.at, q);
    CHECK(j["fleet"] == json{{"miners", 5},
                             {"online", 4},
                             {"offline", 1},
                             {"mining", 2},
                             {"paused", 1},
                             {"in_fault", 3},
                             {"planned_w", 9750.0},
                             {"measured_w", 9630.0},
                             {"hashrate_ths", 95.2 * 3}});
    CHECK(j["page"] == json{{"offset", 0}, {"limit", 2}, {"total", 5}});
    REQUIRE(j["miners"].size() == 2);
    CHECK(j["miners"][0] == json{{"id", "rack0-s19-0"},
                                 {"online", true},
                                 {"state", "mining"},
                                 {"power_w", 3210.0},
                                 {"hashrate_ths", 95.2},
                                 {"chip_temp_c", 71.0},
                                 {"run", true},
                                 {"target_w", 3250.0},
                                 {"applied", true},
                                 {"error", ""}});
    CHECK(j["miners"][1]["state"] == "paused");
    CHECK(j["miners"][1]["run"] == false);
    CHECK(j["miners"][1]["target_w"] == 0.0);
    // The site part is the full form's.
    for (const char* key : {"tick", "time", "decision", "sources", "planned_w", "measured_w"})
        CHECK(j[key] == web::status_json(st, st.at, false)[key]);
}

TEST_CASE("compact status: the last page, a page past the end, an empty fleet", "[web]") {
    auto st = mixed_fleet();
    web::StatusQuery q;
    q.compact = true;
    q.offset = 3;
    q.limit = 10;
    auto last = web::compact_status_json(st, st.at, q);
    REQUIRE(last["miners"].size() == 2);
    CHECK(last["miners"][0]["id"] == "rack0-s19-3");
    CHECK(last["miners"][0]["online"] == false);
    CHECK(last["miners"][0]["error"] == "connect: refused");
    // A long error is cut before the two bytes of "é", not between them.
    CHECK(last["miners"][1]["error"] == std::string(70, 'x') + "é" + std::string(8, 'y') + "…");
    q.offset = 5;
    CHECK(web::compact_status_json(st, st.at, q)["miners"].empty());
    q.offset = 999'999'999;
    auto past = web::compact_status_json(st, st.at, q);
    CHECK(past["miners"].empty());
    CHECK(past["page"]["total"] == 5);
    auto none = web::compact_status_json(test::s19_fleet_status(0), st.at, web::StatusQuery{true});
    CHECK(none["miners"].empty());
    CHECK(none["fleet"]["miners"] == 0);
    CHECK(none["fleet"]["in_fault"] == 0);
}

TEST_CASE("compact status: the rows of every page together are the fleet, once each", "[web]") {
    auto st = test::s19_fleet_status(1234);
    for (std::size_t i = 0; i < st.miners.size(); i += 7) st.miners[i].online = false;
    web::StatusQuery q;
    q.compact = true;
    q.limit = 100;
    std::size_t rows = 0, online = 0, mining = 0;
    std::set<std::string> ids;
    for (q.offset = 0; q.offset < st.miners.size(); q.offset += q.limit) {
        auto page = web::compact_status_json(st, st.at, q);
        CHECK(page["page"]["total"] == st.miners.size());
        for (const auto& row : page["miners"]) {
            ++rows;
            ids.insert(row["id"].get<std::string>());
            online += row["online"].get<bool>();
            mining += row["online"].get<bool>() && row["state"] == "mining";
        }
        CHECK(page["fleet"]["online"] == st.miners.size() - (st.miners.size() + 6) / 7);
    }
    auto fleet = web::compact_status_json(st, st.at, q)["fleet"];
    CHECK(rows == st.miners.size());
    CHECK(ids.size() == st.miners.size());
    CHECK(fleet["online"] == online);
    CHECK(fleet["mining"] == mining);
    CHECK(fleet["offline"] == rows - online);
}
