#include "emulators/transport/modbus_tcp_server.hpp"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "adapters/transport/open_files.hpp"

namespace hashsink::transport {
namespace {

constexpr std::size_t kMaxClients = 16;

}  // namespace

ModbusTcpServer::~ModbusTcpServer() { stop(); }

Status ModbusTcpServer::start(const std::string& name, const std::string& bind, int port,
                              RequestHandler handler) {
    if (thread_.joinable()) return Status::success();
    auto fail = [&](const std::string& what) {
        std::string msg = name + " " + bind + ":" + std::to_string(port) + ": " + what + ": " +
                          modbus_strerror(errno);
        if (ctx_ != nullptr) modbus_free(ctx_);
        ctx_ = nullptr;
        if (listen_fd_ >= 0) ::close(listen_fd_);
        listen_fd_ = -1;
        return Status::error(ErrorCode::io, msg, false);
    };
    ctx_ = modbus_new_tcp(bind.c_str(), port);
    if (ctx_ == nullptr) return fail("create");
    listen_fd_ = modbus_tcp_listen(ctx_, 8);
    if (listen_fd_ < 0) return fail("listen");
    // It waits with select() (and libmodbus does): a low descriptor, from the reserve in a
    // process with many files open (see open_files.hpp).
    if (auto low = to_low_descriptor(listen_fd_); low) {
        listen_fd_ = *low;
    } else {
        listen_fd_ = -1;
        errno = EMFILE;
        return fail("listen");
    }
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return fail("getsockname");
    port_ = ntohs(addr.sin_port);
    // A client that sends half a request and goes silent holds the server this long at most.
    modbus_set_byte_timeout(ctx_, 0, 200'000);
    handler_ = std::move(handler);
    stop_ = false;
    thread_ = std::thread([this] { serve(); });
    return Status::success();
}

void ModbusTcpServer::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    if (ctx_ != nullptr) modbus_free(ctx_);
    ctx_ = nullptr;
}

void ModbusTcpServer::serve() {
    std::vector<int> clients;
    std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(listen_fd_, &readable);
        int max_fd = listen_fd_;
        for (int fd : clients) {
            FD_SET(fd, &readable);
            max_fd = std::max(max_fd, fd);
        }
        timeval tv{0, 100'000};
        if (::select(max_fd + 1, &readable, nullptr, nullptr, &tv) <= 0) continue;
        if (FD_ISSET(listen_fd_, &readable)) {
            int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd >= 0) {
                auto low = to_low_descriptor(fd);  // closes fd when none is free
                if (low && clients.size() >= kMaxClients)
                    close_low_descriptor(*low);
                else if (low)
                    clients.push_back(*low);
            }
        }
        for (auto it = clients.begin(); it != clients.end();) {
            if (!FD_ISSET(*it, &readable)) {
                ++it;
                continue;
            }
            modbus_set_socket(ctx_, *it);
            int n = modbus_receive(ctx_, query);
            if (n > 0) handler_(ctx_, query, n);
            if (n < 0) {
                close_low_descriptor(*it);
                it = clients.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (int fd : clients) close_low_descriptor(fd);
    close_low_descriptor(listen_fd_);
    listen_fd_ = -1;
}

}  // namespace hashsink::transport
