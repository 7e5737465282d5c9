// A loop recorder for tests that keeps only the events, in order, as code and message.
#pragma once

#include <string>
#include <vector>

#include "daemon/loop/recorder.hpp"

namespace hashsink::test {

struct RecordedEvents final : loop::Recorder {
    std::vector<std::string> codes, messages;
    void readings(TimePoint, const std::vector<loop::ReadingRecord>&) noexcept override {}
    void miner_state(TimePoint, const std::string&, const MinerState&) noexcept override {}
    void decision(TimePoint, std::uint64_t, const Decision&) noexcept override {}
    void target(TimePoint, std::uint64_t, const std::string&, const MinerTarget&,
                const std::string&) noexcept override {}
    void apply_result(TimePoint, std::uint64_t, const std::string&,
                      const Status&) noexcept override {}
    void event(TimePoint, loop::Severity, const std::string& code, const std::string&,
               const std::string& message) noexcept override {
        codes.push_back(code);
        messages.push_back(message);
    }
    // "code: message", each.
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < codes.size(); ++i) out.push_back(codes[i] + ": " + messages[i]);
        return out;
    }
};

}  // namespace hashsink::test
