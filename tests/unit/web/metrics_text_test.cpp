// GET /metrics text on hand-built statuses: the exposition format (one family per name, HELP and
// TYPE first, base units), label escaping, and an offline miner without power samples.
#include "web/api/metrics_text.hpp"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace hashsink;

namespace {

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

loop::LoopStatus sample_status() {
    loop::LoopStatus st;
    st.tick = 42;
    st.at = kNow - std::chrono::milliseconds(500);
    st.tick_duration_ms = 2.5;
    st.timing = {.ticks = 600,
                 .late_p50_ms = 1,
                 .late_p99_ms = 12.5,
                 .late_max_ms = 40,
                 .work_p50_ms = 2,
                 .work_p99_ms = 3,
                 .work_max_ms = 8};
    st.decision.policy = "solar_surplus";
    st.decision.budget_w = 300;
    st.decision.shed = true;
    st.decision.miner_floor_w["a"] = 40;
    st.planned_w = 250;
    st.measured_w = 240.5;

    loop::SourceStatus inv;
    inv.id = "inverter";
    inv.type = "sunspec";
    inv.ok = true;
    inv.last_ok = kNow - std::chrono::seconds(1);
    inv.readings.push_back({"pv.ac_power_w", Reading{1234.5, kNow - std::chrono::seconds(1)}});
    inv.readings.push_back({"grid.power_w", Reading{-200, kNow - std::chrono::seconds(10)}});
    st.sources.push_back(inv);

    loop::MinerStatus a;
    a.id = "a";
    a.driver = "axeos";
    a.online = true;
    MinerState s;
    s.online = true;
    s.state = MinerRunState::mining;
    s.power_w = 15.5;
    s.hashrate_ths = 1.2;
    s.chip_temp_c = 55;
    a.state = s;
    a.target.run = true;
    a.target.power_w = 16;
    a.target_applied = true;
    st.miners.push_back(a);

    loop::MinerStatus b;  // offline: the loop dropped its state
    b.id = "b";
    b.driver = "braiins";
    b.online = false;
    b.consecutive_failures = 3;
    b.last_error = "timeout";
    st.miners.push_back(b);
    return st;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text))
        if (l == line) return true;
    return false;
}

// Each expected line is its own section, so a failure names the line that is missing.
void check_lines(const std::string& text, std::initializer_list<std::string> lines) {
    for (const auto& line : lines) {
        DYNAMIC_SECTION(line) { CHECK(has_line(text, line)); }
    }
}

}  // namespace

TEST_CASE("metrics text: families, HELP and TYPE before samples, one block per name",
          "[unit][web][metrics]") {
    const std::string text = web::metrics_text(sample_status(), kNow);
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');

    // Every sample's name has exactly one block: # HELP, # TYPE, then only its own samples.
    const std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
    std::set<std::string> seen;
    std::string current;
    int expect_header = 0;  // 2: HELP next, 1: TYPE next
    for (const auto& line : lines_of(text)) {
        INFO(line);
        if (line.rfind("# HELP ", 0) == 0) {
            current = line.substr(7, line.find(' ', 7) - 7);
            REQUIRE(seen.insert(current).second);
            expect_header = 1;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            REQUIRE(expect_header == 1);
            REQUIRE((line == "# TYPE " + current + " gauge" ||
                     line == "# TYPE " + current + " counter"));
            expect_header = 0;
            continue;
        }
        std::smatch m;
        REQUIRE(std::regex_match(line, m, sample_re));
        REQUIRE(expect_header == 0);
        REQUIRE(m[1].str() == current);
        REQUIRE(current.rfind("hashsink_", 0) == 0);
    }

    check_lines(text,
                {
                    "# TYPE hashsink_ticks_total counter",
                    "hashsink_ticks_total 42",
                    "hashsink_tick_duration_seconds 0.0025",
                    "hashsink_tick_lateness_seconds{quantile=\"0.5\"} 0.001",
                    "hashsink_tick_lateness_seconds{quantile=\"0.99\"} 0.0125",
                    "hashsink_tick_lateness_seconds{quantile=\"1\"} 0.04",
                    "hashsink_tick_work_seconds{quantile=\"0.5\"} 0.002",
                    "hashsink_tick_work_seconds{quantile=\"0.99\"} 0.003",
                    "hashsink_tick_work_seconds{quantile=\"1\"} 0.008",
                    "hashsink_status_age_seconds 0.5",
                    "hashsink_policy_info{policy=\"solar_surplus\"} 1",
                    "hashsink_budget_watts 300",
                    "hashsink_fail_safe 0",
                    "hashsink_shed 1",
                    "hashsink_planned_power_watts 250",
                    "hashsink_measured_power_watts 240.5",
                    "hashsink_heat_floor_watts 40",
                    "hashsink_source_ok{source=\"inverter\",type=\"sunspec\"} 1",
                    "hashsink_reading{source=\"inverter\",signal=\"pv.ac_power_w\"} 1234.5",
                    "hashsink_reading{source=\"inverter\",signal=\"grid.power_w\"} -200",
                    "hashsink_reading_age_seconds{source=\"inverter\",signal=\"grid.power_w\"} 10",
                    "hashsink_reading_stale{source=\"inverter\",signal=\"grid.power_w\"} 1",
                    "hashsink_reading_stale{source=\"inverter\",signal=\"pv.ac_power_w\"} 0",
                    "hashsink_miner_online{miner=\"a\",driver=\"axeos\"} 1",
                    "hashsink_miner_running{miner=\"a\",driver=\"axeos\"} 1",
                    "hashsink_miner_target_power_watts{miner=\"a\",driver=\"axeos\"} 16",
                    "hashsink_miner_power_watts{miner=\"a\",driver=\"axeos\"} 15.5",
                    "hashsink_miner_hashrate_hashes_per_second{miner=\"a\",driver=\"axeos\"} "
                    "1.2e+12",
                    "hashsink_miner_chip_temperature_celsius{miner=\"a\",driver=\"axeos\"} 55",
                    "hashsink_miner_heat_floor_watts{miner=\"a\",driver=\"axeos\"} 40",
                });
    // No economics: the value families are left out, not written empty.
    CHECK(text.find("value_per_hour") == std::string::npos);
}

TEST_CASE("metrics text: an offline miner has state samples but no power, hashrate or temperature",
          "[unit][web][metrics]") {
    auto st = sample_status();
    // Even when a stale state is still attached, an offline miner reports no measurement.
    MinerState stale;
    stale.power_w = 99;
    stale.hashrate_ths = 9;
    stale.chip_temp_c = 70;
    st.miners[1].state = stale;
    const std::string text = web::metrics_text(st, kNow);
    check_lines(text, {
                          "hashsink_miner_online{miner=\"b\",driver=\"braiins\"} 0",
                          "hashsink_miner_running{miner=\"b\",driver=\"braiins\"} 0",
                          "hashsink_miner_target_power_watts{miner=\"b\",driver=\"braiins\"} 0",
                          "hashsink_miner_consecutive_failures{miner=\"b\",driver=\"braiins\"} 3",
                      });
    for (const auto& line : lines_of(text)) {
        if (line.find("miner=\"b\"") == std::string::npos) continue;
        INFO(line);
        CHECK(line.rfind("hashsink_miner_power_watts", 0) != 0);
        CHECK(line.rfind("hashsink_miner_hashrate", 0) != 0);
        CHECK(line.rfind("hashsink_miner_chip_temperature", 0) != 0);
        CHECK(line.find("NaN") == std::string::npos);
    }
}

TEST_CASE("metrics text: a status from a tick with no timing yet writes no tick quantiles",
          "[unit][web][metrics]") {
    auto st = sample_status();
    st.timing = {};
    const std::string text = web::metrics_text(st, kNow);
    CHECK(text.find("hashsink_ticks_total 42") != std::string::npos);
    CHECK(text.find("hashsink_tick_lateness_seconds") == std::string::npos);
    CHECK(text.find("hashsink_tick_work_seconds") == std::string::npos);
}

TEST_CASE("metrics text: heat zones, a stale one without temperature", "[unit][web][metrics]") {
    auto st = sample_status();
    HeatZoneView living;
    living.id = "living";
    living.signal = "living.temperature_c";
    living.temperature_c = 20.5;
    living.target_c = 21;
    living.heating = true;
    living.fraction = 0.25;
    living.floor_w = 40;
    HeatZoneView attic;
    attic.id = "attic";
    attic.target_c = 12;
    attic.stale = true;
    st.decision.report.heat_zones = {living, attic};
    const std::string text = web::metrics_text(st, kNow);
    check_lines(text, {
                          "hashsink_zone_temperature_celsius{zone=\"living\"} 20.5",
                          "hashsink_zone_target_celsius{zone=\"living\"} 21",
                          "hashsink_zone_heating{zone=\"living\"} 1",
                          "hashsink_zone_preheating{zone=\"living\"} 0",
                          "hashsink_zone_heat_fraction{zone=\"living\"} 0.25",
                          "hashsink_zone_floor_watts{zone=\"living\"} 40",
                          "hashsink_zone_stale{zone=\"attic\"} 1",
                          "hashsink_zone_target_celsius{zone=\"attic\"} 12",
                      });
    CHECK(text.find("hashsink_zone_temperature_celsius{zone=\"attic\"}") == std::string::npos);
    // Without zones no zone family is written.
    CHECK(web::metrics_text(sample_status(), kNow).find("hashsink_zone_") == std::string::npos);
}

TEST_CASE("metrics text: hostile ids and signal names are escaped", "[unit][web][metrics]") {
    CHECK(web::escape_label_value(R"(plain)") == "plain");
    CHECK(web::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");

    auto st = sample_status();
    st.miners[0].id = "evil\"} 1\nhashsink_fake 2 #\\";
    st.sources[0].readings.push_back({"x\"\n", Reading{1, kNow}});
    const std::string text = web::metrics_text(st, kNow);
    // The id stays inside its quoted label: no line starts with the injected name.
    for (const auto& line : lines_of(text)) CHECK(line.rfind("hashsink_fake", 0) != 0);
    CHECK(has_line(text,
                   "hashsink_miner_online{miner=\"evil\\\"} 1\\nhashsink_fake 2 #\\\\\","
                   "driver=\"axeos\"} 1"));
    CHECK(has_line(text, "hashsink_reading{source=\"inverter\",signal=\"x\\\"\\n\"} 1"));
}

TEST_CASE(
    "metrics text: economics per miner and in total, non-finite values as the format spells them",
    "[unit][web][metrics]") {
    auto st = sample_status();
    st.decision.report.miner_hash_value_per_h["a"] = 0.25;
    st.decision.report.miner_heat_value_per_h["a"] = 0.5;
    st.decision.budget_w = std::numeric_limits<double>::infinity();
    st.sources[0].readings[0].second.value = std::numeric_limits<double>::quiet_NaN();
    const std::string text = web::metrics_text(st, kNow);
    check_lines(text, {
                          "hashsink_hash_value_per_hour 0.25",
                          "hashsink_heat_value_per_hour 0.5",
                          "hashsink_miner_hash_value_per_hour{miner=\"a\",driver=\"axeos\"} 0.25",
                          "hashsink_miner_heat_value_per_hour{miner=\"a\",driver=\"axeos\"} 0.5",
                      });
    CHECK(text.find("value_per_hour{miner=\"b\"") == std::string::npos);
    CHECK(has_line(text, "hashsink_budget_watts +Inf"));
    CHECK(has_line(text, "hashsink_reading{source=\"inverter\",signal=\"pv.ac_power_w\"} NaN"));
    // Pure: the same status and time give the same text.
    CHECK(web::metrics_text(st, kNow) == text);
}
