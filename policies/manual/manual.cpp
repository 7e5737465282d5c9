#include "policies/manual/manual.hpp"

namespace hashsink::policies {

const KeyTable& ManualPolicy::keys() {
    static const KeyTable table;   // set at run time, nothing to configure
    return table;
}

std::optional<Intent> ManualPolicy::intent(const SiteSnapshot& snap) const {
    if (!snap.manual || snap.now >= snap.manual->until) return std::nullopt;
    const ManualOverride& o = *snap.manual;
    Intent i;
    switch (o.mode) {
        case ManualOverride::Mode::off: i.mode = Intent::Mode::off; break;
        case ManualOverride::Mode::min: i.mode = Intent::Mode::min; break;
        case ManualOverride::Mode::max: i.mode = Intent::Mode::max; break;
    }
    i.reason = std::string("manual override: ") + to_string(o.mode) + " until " + iso8601(o.until) +
               (o.by.empty() ? "" : " (" + o.by + ")") + (o.note.empty() ? "" : ": " + o.note);
    return i;
}

Decision ManualPolicy::decide(const SiteSnapshot& snap, const PolicyMemory&) const {
    return intent_or_paused(*this, snap, std::string(name()), "no manual override set: paused");
}

}  // namespace hashsink::policies
