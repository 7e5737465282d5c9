// A loopback server for the cgminer-style 4028 protocol, for emulators: one request per
// connection, the handler's reply is sent followed by a NUL, then the socket is closed.
// Requests are served one at a time, as cgminer's API thread does.
#pragma once

#include <atomic>

#include "emulators/transport/request_server.hpp"

namespace hashsink::transport {

class CgminerServer final : public RequestServer {
public:
    // The handler's reply is sent followed by a NUL unless append_nul is false.
    CgminerServer() = default;
    ~CgminerServer() override;  // stops
    void set_append_nul(bool on) { append_nul_ = on; }

private:
    void handle(int fd) override;

    std::atomic<bool> append_nul_{true};
};

}  // namespace hashsink::transport
