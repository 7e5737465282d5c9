#include "adapters/miners/driver_support.hpp"

#include <thread>

namespace hashsink::miners {

Status driver_error(std::string_view driver, const std::string& id, const Status& cause) {
    return Status::error(cause.code, std::string(driver) + " " + id + ": " + cause.message,
                         cause.retryable);
}

MinerState offline_state(std::string driver, std::string model, std::string firmware,
                         MinerCaps caps, const Status& cause) {
    MinerState s;
    s.driver = std::move(driver);
    s.model = std::move(model);
    s.firmware = std::move(firmware);
    s.online = false;
    s.state = MinerRunState::offline;
    s.detail = cause.message;
    s.caps = std::move(caps);
    return s;
}

Status poll_until(Duration deadline, Duration interval, const std::function<Status()>& check) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        Status st = check();
        if (st.ok() || st.code != ErrorCode::not_applied) return st;
        if (std::chrono::steady_clock::now() + interval > until) return st;
        std::this_thread::sleep_for(interval);
    }
}

}  // namespace hashsink::miners
