#include "adapters/transport/cgminer_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

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

Status CgminerServer::start(const std::string& bind, int port, Handler handler) {
    std::lock_guard lock(mutex_);
    if (running_) return Status::success();
    const std::string where = bind + ":" + std::to_string(port);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::error(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, bind.c_str(), &addr.sin_addr) != 1) {
        ::close(fd);
        return Status::error(ErrorCode::invalid, "bind " + where + ": not an IPv4 address", false);
    }
    bool bound = false;
    for (int attempt = 0; attempt < 50 && !bound; ++attempt) {
        bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (!bound) {
            if (port == 0 || errno != EADDRINUSE) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (!bound || ::listen(fd, 64) != 0) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return Status::error(ErrorCode::io, "bind " + where + ": " + why, false);
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (::pipe2(wake_fd_, O_CLOEXEC) != 0) {
        ::close(fd);
        return Status::error(ErrorCode::io, std::string("pipe: ") + std::strerror(errno));
    }
    listen_fd_ = fd;
    port_ = ntohs(addr.sin_port);
    handler_ = std::move(handler);
    stopping_ = false;
    running_ = true;
    thread_ = std::thread([this] { serve(); });
    return Status::success();
}

void CgminerServer::stop() {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
    char c = 'x';
    [[maybe_unused]] auto n = ::write(wake_fd_[1], &c, 1);
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
    ::close(wake_fd_[0]);
    ::close(wake_fd_[1]);
    listen_fd_ = -1;
    wake_fd_[0] = wake_fd_[1] = -1;
    running_ = false;
    stopping_ = false;
}

void CgminerServer::serve() {
    while (!stopping_) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
        int r = ::poll(fds, 2, 1000);
        if (r < 0 && errno != EINTR) break;
        if (stopping_ || (fds[1].revents & POLLIN)) break;
        if (!(fds[0].revents & POLLIN)) continue;
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        handle(client);
        ::close(client);
    }
}

void CgminerServer::handle(int fd) {
    std::string request;
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
    char buf[4096];
    while (!request_complete(request) && request.size() < kMaxRequestBytes && !stopping_) {
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
    std::optional<std::string> reply;
    try {
        reply = handler_(request);
    } catch (const std::exception&) {
        reply = R"({"STATUS":[{"STATUS":"F","Code":-1,"Msg":"emulator failure"}],"id":1})";
    }
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
