#include "emulators/miners/whatsminer/v3_server.hpp"

#include <chrono>

#include "adapters/miners/whatsminer/v3_link.hpp"

namespace hashsink::miners::whatsminer {

using Clock = std::chrono::steady_clock;

V3Server::~V3Server() { stop(); }

void V3Server::handle(int fd) {
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    char head[4];
    if (v3_read_exact(fd, head, 4, deadline) <= 0) return;
    const std::uint32_t n = v3_frame_length(head);
    if (n > kV3MaxFrameBytes) return;
    std::string body(n, '\0');
    if (v3_read_exact(fd, body.data(), n, deadline) <= 0) return;
    auto reply = answer(body, R"({"code":-1,"msg":"emulator failure"})");
    if (reply) v3_write_all(fd, v3_frame(*reply), Clock::now() + std::chrono::seconds(2));
}

}  // namespace hashsink::miners::whatsminer
