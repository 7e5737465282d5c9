// The emulator's side of Whatsminer API v3 (adapters/miners/whatsminer/v3_link.hpp has the
// framing and the driver's client): serves framed requests on a background thread, one
// connection at a time.
#pragma once

#include "emulators/transport/request_server.hpp"

namespace hashsink::miners::whatsminer {

class V3Server final : public transport::RequestServer {
public:
    // The handler's reply is framed by the server.
    V3Server() = default;
    ~V3Server() override;

private:
    void handle(int fd) override;
};

}  // namespace hashsink::miners::whatsminer
