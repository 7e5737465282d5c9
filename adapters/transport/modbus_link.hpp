// One shared Modbus connection per device (or serial bus). Many inverters accept a single Modbus
// client, and an RS-485 bus carries one request at a time, so every source that talks to the
// same host:port or serial device borrows the same ModbusClient, one request set in flight.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "adapters/transport/modbus_client.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::transport {

class ModbusLink {
public:
    explicit ModbusLink(ModbusEndpoint endpoint) : client_(std::move(endpoint)) {}

    // Exclusive use of the client until the lease is destroyed. Waits for the turn until
    // deadline at most: a caller behind a slow device gives up instead of queueing forever.
    class Lease {
    public:
        Lease(Lease&& other) noexcept : link_(std::exchange(other.link_, nullptr)) {}
        Lease& operator=(Lease&&) = delete;
        ~Lease() {
            if (link_) link_->release();
        }
        ModbusClient& client() { return link_->client_; }
        ModbusClient* operator->() { return &link_->client_; }

    private:
        friend class ModbusLink;
        explicit Lease(ModbusLink* link) : link_(link) {}
        ModbusLink* link_;
    };

    Result<Lease> acquire(std::chrono::steady_clock::time_point deadline) noexcept;
    const ModbusEndpoint& endpoint() const noexcept { return client_.endpoint(); }

private:
    void release() noexcept;

    // The turn is a flag under a mutex and a condition variable rather than a timed_mutex:
    // libstdc++'s timed wait on a timed_mutex (pthread_mutex_clocklock) is invisible to the
    // ThreadSanitizer of GCC 12, which then reports every release as a bad unlock.
    std::mutex mutex_;
    std::condition_variable turn_free_;
    bool busy_ = false;
    ModbusClient client_;
};

// The link for endpoint's host:port (TCP) or device (RTU), created on first use and shared
// while anyone holds it. Serial settings must agree between the users of one device; the unit
// id is per request (set it on the leased client). Fails when settings conflict.
Result<std::shared_ptr<ModbusLink>> shared_modbus_link(const ModbusEndpoint& endpoint) noexcept;

}  // namespace hashsink::transport
