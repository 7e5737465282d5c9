#include "adapters/miners/driver_base.hpp"

#include "adapters/miners/driver_support.hpp"

namespace hashsink::miners {

DriverBase::DriverBase(std::string family, std::string id)
    : family_(std::move(family)), id_(std::move(id)) {
    last_state_.driver = family_;
    last_state_.detail = "not read yet";
}

Result<MinerCaps> DriverBase::probe() noexcept {
    return guarded("probe", [this] { return probe_miner(); });
}

Result<MinerState> DriverBase::read_state() noexcept {
    return guarded("read state", [this]() -> Result<MinerState> {
        if (!caps_ || !last_state_.online) {
            auto caps = probe();
            if (!caps) return caps.error();
        }
        auto state = read_miner();
        if (state) last_state_ = *state;
        return state;
    });
}

Status DriverBase::apply(const MinerTarget& target) noexcept {
    return guarded("apply", [&]() -> Status {
        if (!caps_) {
            auto caps = probe();
            if (!caps) return caps.error();
        }
        return apply_target(target);
    });
}

Status DriverBase::error(const Status& cause) const { return driver_error(family_, id_, cause); }

MinerState DriverBase::online_state() const {
    MinerState s;
    s.driver = family_;
    s.model = model_;
    s.firmware = firmware_;
    s.online = true;
    return s;
}

void DriverBase::mark_offline(const Status& cause) {
    last_state_ = offline_state(family_, model_, firmware_, known_caps(), cause);
}

Status DriverBase::offline(const Status& cause) {
    mark_offline(cause);
    return cause;
}

}  // namespace hashsink::miners
