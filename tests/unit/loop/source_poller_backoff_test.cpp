// The source poller backs off a failing device, but not a source whose client reconnects by
// itself (MQTT): that one is polled at its period and reads healthy on the first poll after
// its link is back. A source that stays down says so once, then each new reason, a few at most.
#include <atomic>
#include <catch2/catch.hpp>

#include "daemon/loop/source_poller.hpp"
#include "tests/support/recorded_events.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

class FailingSource final : public Source {
public:
    explicit FailingSource(bool reconnects) : reconnects_(reconnects) {}
    std::string_view type_name() const override { return "failing"; }
    bool reconnects_itself() const noexcept override { return reconnects_; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        if (fail) return Status::error(ErrorCode::unreachable, "failing x: read: " + why());
        out.put("grid.power_w", 5);
        return {};
    }
    std::atomic<bool> fail{true};
    std::string why() const {
        std::lock_guard lock(mutex);
        return reason;
    }
    void set_why(std::string r) {
        std::lock_guard lock(mutex);
        reason = std::move(r);
    }
    mutable std::mutex mutex;
    std::string reason = "unreachable";

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

TEST_CASE("source poller: a source that stays down journals each new reason, a few per outage",
          "[loop][source]") {
    ManualClock clock;
    test::RecordedEvents log;
    auto failing = std::make_unique<FailingSource>(true);
    FailingSource* source = failing.get();
    loop::SourcePoller poller({"price", "failing", 1s, 5s}, std::move(failing), clock, log);

    source->set_why("not connected yet");
    poller.poll_once();
    poller.poll_once();  // the same reason again: nothing new to say
    source->set_why("connect: no answer");
    poller.poll_once();
    for (const char* why : {"a", "b", "c", "d"}) {  // a reason on every read: capped
        source->set_why(why);
        poller.poll_once();
    }
    CHECK(log.lines() ==
          std::vector<std::string>{"source.down: failing x: read: not connected yet",
                                   "source.down_reason: failing x: read: connect: no answer",
                                   "source.down_reason: failing x: read: a"});
    CHECK(poller.status().last_error == "failing x: read: d");

    // Back up, then down again: a new outage says its reasons again.
    source->fail = false;
    poller.poll_once();
    source->fail = true;
    poller.poll_once();
    source->set_why("e");
    poller.poll_once();
    REQUIRE(log.codes.size() == 6);
    CHECK(log.lines().at(3) == "source.up: reading");
    CHECK(log.lines().at(4) == "source.down: failing x: read: d");
    CHECK(log.lines().at(5) == "source.down_reason: failing x: read: e");
}
