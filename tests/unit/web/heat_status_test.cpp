// The status JSON shows the heat floor and what the miners earn, hash and heat apart.
#include <catch2/catch.hpp>

#include "web/api/status_json.hpp"

using namespace hashsink;

TEST_CASE("status: heat floor, hash revenue and heat value, per miner and in total",
          "[heat][web]") {
    loop::LoopStatus st;
    st.decision.policy = "layered";
    st.decision.miner_floor_w = {{"a", 200}};
    st.decision.miner_hash_value_per_h = {{"a", 0.004}, {"b", 0.002}};
    st.decision.miner_heat_value_per_h = {{"a", 0.02}};
    for (const char* id : {"a", "b"}) {
        loop::MinerStatus m;
        m.id = id;
        st.miners.push_back(m);
    }
    auto j = web::status_json(st, TimePoint{});
    CHECK(j["decision"]["heat_floor_w"].get<double>() == Approx(200));
    CHECK(j["decision"]["hash_value_per_h"].get<double>() == Approx(0.006));
    CHECK(j["decision"]["heat_value_per_h"].get<double>() == Approx(0.02));
    CHECK(j["miners"][0]["heat_floor_w"].get<double>() == Approx(200));
    CHECK(j["miners"][0]["heat_value_per_h"].get<double>() == Approx(0.02));
    CHECK(j["miners"][1]["heat_floor_w"].is_null());
    CHECK(j["miners"][1]["heat_value_per_h"].is_null());
    CHECK(j["miners"][1]["hash_value_per_h"].get<double>() == Approx(0.002));

    // No economics: no values at all (null, not zero).
    loop::LoopStatus plain;
    auto p = web::status_json(plain, TimePoint{});
    CHECK(p["decision"]["hash_value_per_h"].is_null());
    CHECK(p["decision"]["heat_value_per_h"].is_null());
    CHECK(p["decision"]["heat_floor_w"].get<double>() == 0);
}
