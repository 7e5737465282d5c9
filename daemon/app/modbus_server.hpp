// [modbus_server]: a Modbus TCP server for a SCADA, PLC or energy manager (OpenEMS, Victron GX,
// a utility relay): it reads the site (input registers) and limits it (holding registers), on
// the register map of modbus_registers.hpp (docs/industrial.md).
//
// One thread waits with poll() on every connection (libmodbus's own receive waits with
// select(), which breaks on descriptors >= 1024 in a big fleet), collects each request frame
// itself and answers through libmodbus (modbus_reply, modbus_reply_exception). A client's half
// frame, garbage or silence costs only that client: a frame not complete within 2 s, a header
// no Modbus TCP frame has, or idle_timeout of silence closes its connection. A write of the
// limit goes through the loop's governed path (ControlLoop::set_site_limit, source "modbus"),
// which journals it; every accepted write to 100..103 refreshes the heartbeat.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "daemon/app/modbus_registers.hpp"
#include "daemon/config/config.hpp"
#include "daemon/loop/control_loop.hpp"

struct _modbus;

namespace hashsink::app {

class ModbusServer {
public:
    ModbusServer(config::ModbusServerSection settings, loop::ControlLoop& loop);
    ~ModbusServer();  // stops
    ModbusServer(const ModbusServer&) = delete;
    ModbusServer& operator=(const ModbusServer&) = delete;

    // Binds settings.listen and serves on a thread; errors read
    // "modbus_server <listen>: <operation>: <cause>".
    Status start();
    void stop();  // joins the thread, closes every connection; safe twice
    int port() const { return port_; }

private:
    using Steady = std::chrono::steady_clock;
    struct Client {
        int fd = -1;
        std::string peer;                 // "10.0.0.5:40211"
        std::vector<std::uint8_t> frame;  // bytes of a request not yet complete
        Steady::time_point frame_since{}, last_heard{};
    };

    void serve();
    void accept_clients();
    // Reads what the client sent and answers each complete request; false: close it.
    bool read_client(Client& client);
    bool answer(Client& client, const std::uint8_t* frame, int length);
    // A parsed write: applied to the holding state and the loop, or the exception to send.
    modbus_map::Refusal apply_write(const modbus_map::WriteRequest& request,
                                    const std::string& peer);
    void warn_refused(const std::string& peer, const std::string& what);

    config::ModbusServerSection settings_;
    loop::ControlLoop& loop_;
    _modbus* ctx_ = nullptr;  // only for replies: its socket is set to the asking client's
    int listen_fd_ = -1;
    int port_ = 0;
    std::vector<Client> clients_;
    modbus_map::Holding holding_;  // server thread only
    Steady::time_point refusal_window_{};
    int refusals_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace hashsink::app
