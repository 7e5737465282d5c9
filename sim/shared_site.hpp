// Several daemons sharing one site too big for one box (docs/fleet.md, "Sites too big for one
// box"): a coordinator with the site's meter runs the site's policy and splits its budget over
// the members in proportion to what their miners can draw; each member runs the daemon's
// decision (allocator, governor) on its own miners with its share as its site limit, its part of
// max_draw_w and of the ramps. Shares travel over MQTT: while the link is down no share arrives,
// and a member that has heard none for `heartbeat` falls to its part of `failsafe_w`.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "daemon/core/time.hpp"

namespace hashsink::sim {

struct SimSettings;
class Controller;

struct SharedSiteSpec {
    int members = 0;             // daemons sharing the site; 0: not simulated
    Duration heartbeat{10'000};  // a member without a share this long uses its failsafe
    double failsafe_w = 0;       // the whole site's failsafe draw, split like the shares
    // Seconds since the trace's start, [from, to): the coordinator's shares do not arrive.
    std::vector<std::pair<double, double>> link_down_s;
};

std::unique_ptr<Controller> make_shared_site_controller(const SimSettings& settings);

}  // namespace hashsink::sim
