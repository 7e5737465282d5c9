// A journal on a test's file, and a clock hour of the recent past for its rows.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "daemon/journal/journal.hpp"

namespace hashsink::test {

inline std::unique_ptr<journal::Journal> open_journal(const std::string& path,
                                                      journal::JournalOptions o = {}) {
    o.path = path;
    auto j = journal::Journal::open(o);
    REQUIRE(j.has_value());
    return std::move(*j);
}

// The start of the clock hour `hours` before now: well inside default retention.
inline std::int64_t hour_start_ago(int hours) {
    const std::int64_t now = unix_ms(WallClock::now());
    return (now / 3'600'000 - hours) * 3'600'000;
}

}  // namespace hashsink::test
