#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

using namespace hashsink;

namespace {
const std::string kRoot = HASHSINK_SOURCE_DIR;
}

TEST_CASE("simulate --json prints one object with every metric and both baselines", "[simulate]") {
    auto r = test::run({HASHSINK_BINARY, "simulate", "--config", kRoot + "/examples/solar-home.toml",
                        "--trace", kRoot + "/tests/fixtures/sim/short_day.csv", "--json"},
                       120);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"available_surplus_kwh", "absorbed_kwh", "oracle_absorbed_kwh",
                            "oracle_ratio", "physical_oracle_absorbed_kwh", "physical_oracle_ratio",
                            "import_wh", "peak_import_w", "genset_overload_s", "genset_band_pct",
                            "switches_per_miner_day", "revenue", "energy_cost"}) {
        INFO(key);
        CHECK(j.contains(key));
        CHECK(j["baselines"]["threshold"].contains(key));
        CHECK(j["baselines"]["export_follower"].contains(key));
    }
    CHECK(j["policy"] == "solar_surplus");
    CHECK(j["site"] == "grid");
    CHECK(j["available_surplus_kwh"].get<double>() > 1);
    CHECK(j["absorbed_kwh"].get<double>() > 0);
    CHECK(j["absorbed_kwh"].get<double>() <= j["oracle_absorbed_kwh"].get<double>());
    CHECK(j["oracle_ratio"].get<double>() <= 1.0);
    // The physical bound is never above the relaxed one, so its ratio is never below.
    CHECK(j["physical_oracle_absorbed_kwh"].get<double>() <=
          j["oracle_absorbed_kwh"].get<double>());
    CHECK(j["physical_oracle_absorbed_kwh"].get<double>() > 0);
    CHECK(j["physical_oracle_ratio"].get<double>() >= j["oracle_ratio"].get<double>());
    CHECK(j["genset_band_pct"].is_null());
    // One day: its figures are the run's.
    REQUIRE(j["per_day"].size() == 1);
    const auto& day = j["per_day"][0];
    for (const char* key : {"date", "absorbed_kwh", "oracle_absorbed_kwh", "oracle_ratio",
                            "physical_oracle_absorbed_kwh", "physical_oracle_ratio", "import_wh",
                            "switches_per_miner_day"}) {
        INFO(key);
        CHECK(day.contains(key));
    }
    CHECK(day["absorbed_kwh"].get<double>() ==
          Approx(j["absorbed_kwh"].get<double>()).margin(1e-3));
    CHECK(j["baselines"]["export_follower"]["per_day"].size() == 1);
}

TEST_CASE("simulate reports a bad trace with its line and exits 65", "[simulate]") {
    auto dir = test::temp_dir();
    test::write_file(dir + "/bad.csv", "time,pv_ac_w\n0,100\n60,lots\n");
    auto r = test::run({HASHSINK_BINARY, "simulate", "--config", kRoot + "/examples/solar-home.toml",
                        "--trace", dir + "/bad.csv"});
    CHECK(r.exit_code == 65);
    CHECK(r.err.find("bad.csv:3: pv_ac_w: not a number: 'lots'") != std::string::npos);
}

TEST_CASE("simulate needs --trace and --config, and a known policy", "[simulate]") {
    auto r = test::run({HASHSINK_BINARY, "simulate", "--config", kRoot + "/examples/solar-home.toml"});
    CHECK(r.exit_code == 64);
    r = test::run({HASHSINK_BINARY, "simulate", "--config", kRoot + "/examples/solar-home.toml", "--trace",
                   kRoot + "/tests/fixtures/sim/short_day.csv", "--policy", "nope"});
    CHECK(r.exit_code == 64);
    CHECK(r.err.find("unknown policy 'nope'") != std::string::npos);
}
