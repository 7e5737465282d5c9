// Where the loop sends what it reads, decides and does. The journal implements it; tests can
// record in memory. Every call must return at once (enqueue) and never throw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/policy.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/severity.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::loop {

using hashsink::Severity;

struct ReadingRecord {
    std::string signal;
    double value = 0;
    std::string source;
};

class Recorder {
public:
    virtual ~Recorder() = default;
    virtual void readings(TimePoint at, const std::vector<ReadingRecord>& rows) noexcept = 0;
    virtual void miner_state(TimePoint at, const std::string& miner_id,
                             const MinerState& state) noexcept = 0;
    virtual void decision(TimePoint at, std::uint64_t tick, const Decision& d) noexcept = 0;
    virtual void target(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                        const MinerTarget& t, const std::string& reason) noexcept = 0;
    virtual void apply_result(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                              const Status& result) noexcept = 0;
    // code: a stable message id an operator can act on, e.g. "miner.offline".
    virtual void event(TimePoint at, Severity severity, const std::string& code,
                       const std::string& subject, const std::string& message) noexcept = 0;
};

// Discards everything (a daemon run without a journal, and benchmarks).
class NullRecorder final : public Recorder {
public:
    void readings(TimePoint, const std::vector<ReadingRecord>&) noexcept override {}
    void miner_state(TimePoint, const std::string&, const MinerState&) noexcept override {}
    void decision(TimePoint, std::uint64_t, const Decision&) noexcept override {}
    void target(TimePoint, std::uint64_t, const std::string&, const MinerTarget&,
                const std::string&) noexcept override {}
    void apply_result(TimePoint, std::uint64_t, const std::string&, const Status&) noexcept override {}
    void event(TimePoint, Severity, const std::string&, const std::string&,
               const std::string&) noexcept override {}
};

}  // namespace hashsink::loop
