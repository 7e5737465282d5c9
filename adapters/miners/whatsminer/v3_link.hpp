// Whatsminer API v3 framing on TCP 4433: each message, both ways, is a 4-byte little-endian
// length followed by that many bytes of JSON. One request per connection here. The client for
// the driver and a loopback server for the emulator.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/transport/tcp_server.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners::whatsminer {

inline constexpr int kV3Port = 4433;
inline constexpr std::size_t kV3MaxFrameBytes = 1024 * 1024;

// Sends one framed request and returns the parsed reply object. Errors read "<cmd>: <cause>":
// connect refused or dropped -> unreachable, no whole reply in time -> timeout, a frame over
// the cap or not a JSON object -> protocol.
Result<nlohmann::json> v3_exchange(const std::string& host, int port, Duration timeout,
                                   const nlohmann::json& request) noexcept;

// Serves framed requests on a background thread, one connection at a time.
class V3Server {
public:
    // The reply text (framed by the server), or nullopt to close without answering.
    using Handler = std::function<std::optional<std::string>(const std::string& request)>;

    V3Server() = default;
    ~V3Server();
    V3Server(const V3Server&) = delete;
    V3Server& operator=(const V3Server&) = delete;

    Status start(const std::string& bind, int port, Handler handler);
    void stop() { server_.stop(); }
    int port() const { return server_.port(); }

private:
    void handle(int fd);

    Handler handler_;
    transport::TcpServer server_;   // last: its thread stops before the handler goes
};

}  // namespace hashsink::miners::whatsminer
