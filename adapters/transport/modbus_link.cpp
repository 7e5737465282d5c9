#include "adapters/transport/modbus_link.hpp"

#include <map>

namespace hashsink::transport {

Result<ModbusLink::Lease> ModbusLink::acquire(
    std::chrono::steady_clock::time_point deadline) noexcept {
    std::unique_lock lock(mutex_);
    if (!turn_free_.wait_until(lock, deadline, [this] { return !busy_; }))
        return Status::error(ErrorCode::timeout, client_.name() +
                                                     ": wait for the shared connection: busy with "
                                                     "another request until the deadline");
    busy_ = true;
    return Lease(this);
}

void ModbusLink::release() noexcept {
    {
        std::lock_guard lock(mutex_);
        busy_ = false;
    }
    turn_free_.notify_one();
}

Result<std::shared_ptr<ModbusLink>> shared_modbus_link(const ModbusEndpoint& endpoint) noexcept {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<ModbusLink>> links;
    try {
        std::lock_guard lock(mutex);
        const std::string key = endpoint.link_key();
        if (auto existing = links[key].lock()) {
            const auto& e = existing->endpoint();
            if (e.rtu() && (e.baud != endpoint.baud || e.parity != endpoint.parity ||
                            e.data_bits != endpoint.data_bits || e.stop_bits != endpoint.stop_bits))
                return Status::error(ErrorCode::invalid,
                                     "modbus " + endpoint.device +
                                         ": share the bus: serial settings differ from another "
                                         "source on the same device",
                                     false);
            return existing;
        }
        auto link = std::make_shared<ModbusLink>(endpoint);
        links[key] = link;
        return link;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "modbus " + endpoint.link_key() + ": " + e.what(),
                             false);
    }
}

}  // namespace hashsink::transport
