// A small site's config for tests that build a whole Site: 500 W, ticking every 200 ms, reading
// an emulated SunSpec inverter, with one AxeOS miner and one ("dead") that never answers.
#pragma once

#include <string>

namespace hashsink::test {

// Every sample a row, committed within 200 ms: tests that count the journal's rows or chart its
// history see them at once (the daemon's default records on change and commits history every
// 5 minutes).
inline constexpr const char* kPromptJournal =
    "[journal]\nhistory_interval = \"200ms\"\non_change = false\n";

// `sections` (e.g. "[web]\n...") goes between [site] and the sources.
inline std::string small_site_toml(const std::string& sections, int inverter_port,
                                   const std::string& miner_url, int dead_port) {
    return "[site]\nmax_draw_w = 500\nperiod = \"200ms\"\nminer_poll_interval = \"1s\"\n" +
           std::string(kPromptJournal) + sections +
           "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(inverter_port) +
           "\n[[miners]]\nid = \"a\"\ndriver = \"axeos\"\nurl = \"" + miner_url +
           "\"\n[[miners]]\nid = \"dead\"\ndriver = \"axeos\"\nurl = \"http://127.0.0.1:" +
           std::to_string(dead_port) + "\"\n";
}

}  // namespace hashsink::test
