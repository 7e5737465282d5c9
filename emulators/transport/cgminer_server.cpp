#include "emulators/transport/cgminer_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace hashsink::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr int kRequestTimeoutMs = 2000;

// True once `text` holds one complete JSON object (braces balanced outside strings), or a
// plain-text request ended by a newline or NUL.
bool request_complete(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r')) ++i;
    if (i == text.size()) return false;
    if (text[i] != '{') return text.find_first_of("\n\0", i) != std::string::npos;
    int depth = 0;
    bool in_string = false, escaped = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{') ++depth;
        else if (c == '}' && --depth == 0) return true;
    }
    return false;
}

}  // namespace

CgminerServer::~CgminerServer() { stop(); }

void CgminerServer::handle(int fd) {
    std::string request;
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
    char buf[4096];
    while (!request_complete(request) && request.size() < kMaxRequestBytes && !stopping()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          SteadyClock::now());
        if (left.count() <= 0) return;
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
        if (r < 0 && errno != EINTR) return;
        if (r <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;   // EOF: take what came
        request.append(buf, static_cast<std::size_t>(n));
    }
    if (auto nul = request.find('\0'); nul != std::string::npos) request.erase(nul);
    auto reply =
        answer(request, R"({"STATUS":[{"STATUS":"F","Code":-1,"Msg":"emulator failure"}],"id":1})");
    if (!reply) return;   // close without replying
    if (append_nul_) reply->push_back('\0');
    std::size_t sent = 0;
    while (sent < reply->size()) {
        ssize_t n = ::send(fd, reply->data() + sent, reply->size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            return;
        }
        sent += static_cast<std::size_t>(n);
    }
}

}  // namespace hashsink::transport
