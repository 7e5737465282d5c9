#include "emulators/transport/tcp_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace hashsink::transport {

TcpServer::~TcpServer() { stop(); }

Status TcpServer::start(const std::string& bind, int port, ConnectionHandler handler) {
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

void TcpServer::stop() {
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

void TcpServer::serve() {
    while (!stopping_) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
        int r = ::poll(fds, 2, 1000);
        if (r < 0 && errno != EINTR) break;
        if (stopping_ || (fds[1].revents & POLLIN)) break;
        if (!(fds[0].revents & POLLIN)) continue;
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        handler_(client);
        ::close(client);
    }
}

}  // namespace hashsink::transport
