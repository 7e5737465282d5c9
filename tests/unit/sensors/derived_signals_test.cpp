// Derived signals: hidden-surplus evidence, clipping estimate, genset headroom and frequency
// margin; each only from fresh inputs and never fresher than they are.
#include "daemon/core/derived_signals.hpp"

#include <catch2/catch.hpp>

using namespace hashsink;
namespace d = hashsink::derived;

namespace {

SiteSnapshot snapshot(std::initializer_list<std::pair<std::string_view, double>> values,
                      TimePoint at = TimePoint{std::chrono::seconds{1000}}) {
    SiteSnapshot s;
    s.now = TimePoint{std::chrono::seconds{1001}};
    for (const auto& [k, v] : values)
        s.readings[std::string(k)] = Reading{v, at, Duration{5000}, "src"};
    return s;
}

std::map<std::string, Reading> derive(const SiteSnapshot& s) {
    std::map<std::string, Reading> out;
    for (auto& [k, r] : d::derive_signals(s)) out[k] = r;
    return out;
}

}  // namespace

TEST_CASE("hidden surplus: throttled state, output at its limit, export pinned", "[derived]") {
    auto none = derive(snapshot({{signal::kPvState, 4},
                                 {signal::kPvLimitActive, 0},
                                 {signal::kPvLimitW, 5000},
                                 {signal::kPvAcPowerW, 3000}}));
    CHECK(none[std::string(d::kHiddenSurplus)].value == 0);
    auto throttled = derive(snapshot({{signal::kPvState, 5}}));
    CHECK(throttled[std::string(d::kHiddenSurplus)].value == 1);
    CHECK(throttled[std::string(d::kHiddenSurplusEvidence)].value == 1);
    auto at_limit = derive(snapshot(
        {{signal::kPvLimitActive, 1}, {signal::kPvLimitW, 3000}, {signal::kPvAcPowerW, 2990}}));
    CHECK(at_limit[std::string(d::kHiddenSurplusEvidence)].value == 2);
    auto pinned = derive(snapshot(
        {{signal::kGridPowerW, -598}, {signal::kExportLimitW, 600}, {signal::kPvAcPowerW, 2500}}));
    CHECK(pinned[std::string(d::kHiddenSurplusEvidence)].value == 4);
    auto exporting_freely = derive(snapshot(
        {{signal::kGridPowerW, -300}, {signal::kExportLimitW, 600}, {signal::kPvAcPowerW, 2500}}));
    CHECK(exporting_freely[std::string(d::kHiddenSurplus)].value == 0);
    CHECK(derive(snapshot({{signal::kGridPowerW, -300}})).count(std::string(d::kHiddenSurplus)) ==
          0);
}

TEST_CASE("clipping estimate: DC above the AC cap", "[derived]") {
    auto r = derive(snapshot(
        {{signal::kPvDcPowerW, 6400}, {signal::kPvRatingW, 6000}, {signal::kPvLimitW, 5000}}));
    CHECK(r[std::string(d::kClippingW)].value == 1400);
    r = derive(snapshot({{signal::kPvDcPowerW, 3000}, {signal::kPvRatingW, 6000}}));
    CHECK(r[std::string(d::kClippingW)].value == 0);
}

TEST_CASE("genset headroom from rating or load %, frequency margin", "[derived]") {
    auto r = derive(snapshot({{signal::kGensetPowerW, 45000},
                              {signal::kGensetRatingW, 60000},
                              {signal::kGensetFrequencyHz, 49.5}}));
    CHECK(r[std::string(d::kGensetHeadroomW)].value == 15000);
    CHECK(r[std::string(d::kGensetFrequencyMarginHz)].value == Approx(49.5 - 47.5));
    r = derive(snapshot({{signal::kGensetPowerW, 45000},
                         {signal::kGensetLoadPct, 75},
                         {signal::kGensetFrequencyHz, 59.0},
                         {d::kGensetFrequencyMinHz, 58.5}}));
    CHECK(r[std::string(d::kGensetHeadroomW)].value == Approx(15000));
    CHECK(r[std::string(d::kGensetFrequencyMarginHz)].value == Approx(0.5));
}

TEST_CASE("derived readings carry the oldest input's time, and stale inputs are ignored",
          "[derived]") {
    auto s = snapshot({{signal::kGensetPowerW, 45000}, {signal::kGensetRatingW, 60000}});
    s.readings[std::string(signal::kGensetRatingW)].at = TimePoint{std::chrono::seconds{998}};
    auto r = derive(s);
    const Reading& h = r[std::string(d::kGensetHeadroomW)];
    CHECK(h.at == TimePoint{std::chrono::seconds{998}});
    CHECK(h.source == "derived");
    auto stale = snapshot({{signal::kGensetPowerW, 45000}, {signal::kGensetRatingW, 60000}},
                          TimePoint{std::chrono::seconds{900}});
    CHECK(derive(stale).empty());
    SiteSnapshot s2 = s;
    d::add_derived_signals(s2);
    CHECK(s2.fresh(d::kGensetHeadroomW).value_or(-1) == 15000);
}

#include "daemon/loop/control_loop.hpp"

namespace {

struct GensetFeed final : Source {
    std::string_view type_name() const override { return "feed"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        out.put(signal::kGensetPowerW, 40000);
        out.put(signal::kGensetRatingW, 50000);
        out.put(signal::kGensetFrequencyHz, 50.2);
        return Status::success();
    }
};

struct SeesHeadroom final : Policy {
    mutable std::optional<double> seen;
    std::string_view name() const override { return "sees_headroom"; }
    Precedence precedence() const override { return Precedence::standalone; }
    Decision decide(const SiteSnapshot& s, const PolicyMemory& m) const override {
        seen = s.fresh(d::kGensetHeadroomW);
        return {
            .policy = "sees_headroom", .budget_w = 0, .hold = true, .reason = "test", .memory = m};
    }
};

}  // namespace

TEST_CASE("the tick puts derived signals in the snapshot and the status, as source \"derived\"",
          "[derived]") {
    ManualClock clock;
    loop::NullRecorder recorder;
    auto policy = std::make_unique<SeesHeadroom>();
    const SeesHeadroom* p = policy.get();
    loop::ControlLoop cl({}, std::move(policy), clock, recorder);
    cl.add_source({"genset", "feed"}, std::make_unique<GensetFeed>());
    cl.sources().front()->poll_once();
    auto status = cl.tick();
    REQUIRE(p->seen);
    CHECK(*p->seen == 10000);
    const loop::SourceStatus* derived_status = nullptr;
    for (const auto& s : status->sources)
        if (s.id == "derived") derived_status = &s;
    REQUIRE(derived_status != nullptr);
    std::map<std::string, Reading> by_name(derived_status->readings.begin(),
                                           derived_status->readings.end());
    CHECK(by_name.count("genset.headroom_w") == 1);
    CHECK(by_name["genset.frequency_margin_hz"].value == Approx(2.7));
}
