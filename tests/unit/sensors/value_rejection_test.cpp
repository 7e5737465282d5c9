// A value a source refuses reaches the operator: one log line and one event when the signal goes
// bad, one when it reads again; the refused value is never stored as a reading.
#include <catch2/catch.hpp>

#include "daemon/loop/source_poller.hpp"
#include "tests/support/recorded_events.hpp"

using namespace hashsink;

namespace {

using Events = test::RecordedEvents;

struct Scripted final : Source {
    bool bad = true;
    std::string_view type_name() const override { return "scripted"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        out.put("grid.power_w", 100);
        if (bad)
            out.reject("genset.frequency_hz", "out of range: 200 Hz");
        else
            out.put("genset.frequency_hz", 50);
        return Status::success();
    }
};

}  // namespace

TEST_CASE("rejected values are logged and recorded once per episode", "[sense]") {
    ManualClock clock;
    Events events;
    auto src = std::make_unique<Scripted>();
    Scripted* script = src.get();
    loop::SourcePoller poller({"gen", "scripted"}, std::move(src), clock, events);
    poller.poll_once();
    poller.poll_once();
    std::map<std::string, Reading, std::less<>> readings;
    poller.copy_readings(readings);
    CHECK(readings.count("genset.frequency_hz") == 0);
    CHECK(readings.count("grid.power_w") == 1);
    auto count = [&](const std::string& code) {
        return std::count(events.codes.begin(), events.codes.end(), code);
    };
    CHECK(count("source.value_rejected") == 1);
    auto at = std::find(events.codes.begin(), events.codes.end(), "source.value_rejected");
    CHECK_THAT(events.messages[static_cast<std::size_t>(at - events.codes.begin())],
               Catch::Contains("genset.frequency_hz: out of range"));
    script->bad = false;
    poller.poll_once();
    CHECK(count("source.value_ok") == 1);
    script->bad = true;
    poller.poll_once();
    CHECK(count("source.value_rejected") == 2);
}
