// The loop's Recorder, written to the journal. Header-only so the journal library keeps
// linking only the core; the app (which sees both) constructs it.
#pragma once

#include <utility>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "daemon/loop/recorder.hpp"

namespace hashsink::journal {

class JournalRecorder final : public loop::Recorder {
public:
    explicit JournalRecorder(Journal& journal) : journal_(journal) {}

    void readings(TimePoint at, const std::vector<loop::ReadingRecord>& rows) noexcept override {
        try {
            std::vector<ReadingRow> out;
            out.reserve(rows.size());
            for (const auto& r : rows) out.push_back({r.signal, r.value, r.source});
            journal_.record_readings(at, std::move(out));
        } catch (...) {
            // Out of memory: the journal's drop counter cannot see it; the tick goes on.
        }
    }
    void miner_state(TimePoint at, const std::string& miner_id,
                     const MinerState& state) noexcept override {
        journal_.record_miner_state(at, miner_id, state);
    }
    void decision(TimePoint at, std::uint64_t tick, const Decision& d) noexcept override {
        journal_.record_decision(at, tick, d);
    }
    void target(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                const MinerTarget& t, const std::string& reason) noexcept override {
        journal_.record_target(at, tick, miner_id, t, reason);
    }
    void apply_result(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                      const Status& result) noexcept override {
        journal_.record_apply_result(at, tick, miner_id, result);
    }
    void event(TimePoint at, loop::Severity severity, const std::string& code,
               const std::string& subject, const std::string& message) noexcept override {
        try {
            journal_.record_event(at, severity, code, subject, message);
        } catch (...) {
            // Copying the strings failed: nothing to record.
        }
    }

private:
    Journal& journal_;
};

}  // namespace hashsink::journal
