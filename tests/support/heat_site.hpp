// Pieces of a heat_demand site's config, shared by the policy's unit tests and the tests that
// run it against a real broker.
#pragma once

#include <string>

namespace hashsink::test {

// A 2 kW site whose policy is heat_demand; its zones, sources and miners follow.
inline const std::string kHeatSiteHead =
    "[site]\nmax_draw_w = 2000\n\n[policy]\nuse = \"heat_demand\"\n";

// Two simulated miners, bitaxe-1 and bitaxe-2: the ones the test zones heat with.
inline const std::string kTwoSimulatedMiners =
    "\n[[miners]]\nid = \"bitaxe-1\"\ndriver = \"simulated\"\n"
    "\n[[miners]]\nid = \"bitaxe-2\"\ndriver = \"simulated\"\n";

}  // namespace hashsink::test
