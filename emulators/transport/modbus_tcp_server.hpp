// A Modbus TCP server for emulators, on libmodbus: binds (port 0 picks a free one), accepts up
// to 16 clients and hands each request it receives to a handler on a background thread. The
// handler answers through the context it is given, whose socket is the asking client's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"

struct _modbus;

namespace hashsink::transport {

class ModbusTcpServer {
public:
    // One request of `length` bytes (header included), answered with modbus_reply* on ctx.
    using RequestHandler = std::function<void(_modbus* ctx, const std::uint8_t* query, int length)>;

    ModbusTcpServer() = default;
    ~ModbusTcpServer();  // stops
    ModbusTcpServer(const ModbusTcpServer&) = delete;
    ModbusTcpServer& operator=(const ModbusTcpServer&) = delete;

    // Binds bind:port and serves on a background thread; errors read
    // "<name> <bind>:<port>: <operation>: <cause>".
    Status start(const std::string& name, const std::string& bind, int port,
                 RequestHandler handler);
    void stop();  // joins the thread, closes every socket; safe to call twice
    bool running() const { return thread_.joinable(); }
    int port() const { return port_; }

private:
    void serve();

    RequestHandler handler_;
    _modbus* ctx_ = nullptr;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace hashsink::transport
