#include "emulators/miners/whatsminer/v3_server.hpp"

#include <chrono>

#include "adapters/miners/whatsminer/v3_link.hpp"

namespace hashsink::miners::whatsminer {

using Clock = std::chrono::steady_clock;

V3Server::~V3Server() { stop(); }

Status V3Server::start(const std::string& bind, int port, Handler handler) {
    if (server_.running()) return Status::success();
    handler_ = std::move(handler);
    return server_.start(bind, port, [this](int fd) { handle(fd); });
}

void V3Server::handle(int fd) {
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    char head[4];
    if (v3_read_exact(fd, head, 4, deadline) <= 0) return;
    const std::uint32_t n = v3_frame_length(head);
    if (n > kV3MaxFrameBytes) return;
    std::string body(n, '\0');
    if (v3_read_exact(fd, body.data(), n, deadline) <= 0) return;
    std::optional<std::string> reply;
    try {
        reply = handler_(body);
    } catch (const std::exception&) {
        reply = R"({"code":-1,"msg":"emulator failure"})";
    }
    if (reply) v3_write_all(fd, v3_frame(*reply), Clock::now() + std::chrono::seconds(2));
}

}  // namespace hashsink::miners::whatsminer
