// The source poller backs off a failing device, but not a source whose client reconnects by
// itself (MQTT): that one is polled at its period and reads healthy on the first poll after
// its link is back.
#include <catch2/catch.hpp>

#include <atomic>

#include "daemon/loop/source_poller.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

class FailingSource final : public Source {
public:
    explicit FailingSource(bool reconnects) : reconnects_(reconnects) {}
    std::string_view type_name() const override { return "failing"; }
    bool reconnects_itself() const noexcept override { return reconnects_; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        if (fail) return Status::error(ErrorCode::unreachable, "failing x: read: unreachable");
        out.put("grid.power_w", 5);
        return {};
    }
    std::atomic<bool> fail{true};

private:
    bool reconnects_;
};

}  // namespace

TEST_CASE("source poller: a dead device is backed off up to 30 s, an MQTT-like source is not",
          "[loop][source]") {
    ManualClock clock;
    loop::NullRecorder recorder;
    auto dead = std::make_unique<FailingSource>(false);
    auto pushed = std::make_unique<FailingSource>(true);
    FailingSource* pushed_source = pushed.get();
    loop::SourcePoller device({"meter", "failing", 1s, 5s}, std::move(dead), clock, recorder);
    loop::SourcePoller mqtt({"grid", "failing", 1s, 5s}, std::move(pushed), clock, recorder);

    CHECK(device.next_delay() == 1s);
    std::vector<Duration> device_delays;
    for (int i = 0; i < 8; ++i) {
        device.poll_once();
        mqtt.poll_once();
        device_delays.push_back(device.next_delay());
        CHECK(mqtt.next_delay() == 1s);
    }
    CHECK(device_delays.front() == 1s);
    CHECK(device_delays.at(2) == 4s);
    CHECK(device_delays.back() == 30s);
    CHECK(mqtt.status().consecutive_failures == 8);

    // The broker is back: the next poll (one period later, not 30 s) reads it healthy.
    pushed_source->fail = false;
    mqtt.poll_once();
    CHECK(mqtt.status().ok);
    CHECK(mqtt.next_delay() == 1s);
}
