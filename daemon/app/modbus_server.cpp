#include "daemon/app/modbus_server.hpp"

#include <modbus/modbus.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/core/log.hpp"
#include "web/server.hpp"

namespace hashsink::app {
namespace {

constexpr int kHeader = 7;                             // MBAP header, unit id included
constexpr auto kFrameLimit = std::chrono::seconds(2);  // a started frame completes within this
constexpr int kPollMs = 200;
constexpr int kRefusalsLoggedPerMinute = 10;

std::string peer_of(const sockaddr_storage& addr, socklen_t len) {
    char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
    ::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, port,
                  sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    const bool v6 = addr.ss_family == AF_INET6;
    return (v6 ? "[" : "") + std::string(host) + (v6 ? "]:" : ":") + port;
}

// A socket listening on host:port (port 0: any free one), non-blocking; -1 with errno.
int listen_on(const std::string& host, int port, std::string& failed) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        failed = std::string("resolve: ") + ::gai_strerror(rc);
        return -1;
    }
    int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 16) != 0) {
        failed = std::string(fd < 0 ? "socket: " : "bind: ") + std::strerror(errno);
        if (errno == EACCES) failed += " (a port below 1024 needs CAP_NET_BIND_SERVICE)";
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    return fd;
}

int bound_port(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
}

std::string limit_text(const modbus_map::Holding& h) {
    if (!h.enabled || !h.limit_w) return "cleared";
    return std::to_string(*h.limit_w) + " W";
}

}  // namespace

ModbusServer::ModbusServer(config::ModbusServerSection settings, loop::ControlLoop& loop)
    : settings_(std::move(settings)), loop_(loop) {}

ModbusServer::~ModbusServer() { stop(); }

Status ModbusServer::start() {
    const std::string where = "modbus_server " + settings_.listen;
    auto hp = web::parse_listen(settings_.listen);
    if (!hp)
        return Status::error(ErrorCode::invalid, where + ": listen: expected host:port", false);
    std::string failed;
    listen_fd_ = listen_on(hp->first, hp->second, failed);
    if (listen_fd_ < 0) return Status::error(ErrorCode::unreachable, where + ": " + failed, false);
    port_ = bound_port(listen_fd_);
    // A context for replies only: modbus_new_tcp connects nowhere.
    ctx_ = modbus_new_tcp("0.0.0.0", port_);
    if (ctx_ == nullptr) {
        ::close(listen_fd_);
        listen_fd_ = -1;
        return Status::error(ErrorCode::io, where + ": libmodbus: " + modbus_strerror(errno),
                             false);
    }
    stop_ = false;
    thread_ = std::thread([this] { serve(); });
    log::info("modbus", "serving Modbus TCP on " + hp->first + ":" + std::to_string(port_));
    return Status::success();
}

void ModbusServer::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    for (auto& c : clients_) ::close(c.fd);
    clients_.clear();
    ::close(listen_fd_);
    listen_fd_ = -1;
    modbus_free(ctx_);
    ctx_ = nullptr;
}

void ModbusServer::serve() {
    std::vector<pollfd> fds;
    while (!stop_) {
        fds.assign(1, pollfd{listen_fd_, POLLIN, 0});
        for (const auto& c : clients_) fds.push_back(pollfd{c.fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), kPollMs) < 0 && errno != EINTR) break;
        const auto now = Steady::now();
        // Clients first (their indices match fds), then new ones.
        std::vector<Client> kept;
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            Client& c = clients_[i];
            bool keep = true;
            if (fds[i + 1].revents != 0) keep = read_client(c);
            if (keep && !c.frame.empty() && now - c.frame_since > kFrameLimit) keep = false;
            if (keep && now - c.last_heard > settings_.idle_timeout) keep = false;
            if (keep)
                kept.push_back(std::move(c));
            else
                ::close(c.fd);
        }
        clients_ = std::move(kept);
        if (fds[0].revents & POLLIN) accept_clients();
    }
}

void ModbusServer::accept_clients() {
    for (;;) {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (clients_.size() >= static_cast<std::size_t>(settings_.max_clients)) {
            ::close(fd);
            warn_refused(peer_of(addr, len), "connection refused: max_clients reached");
            continue;
        }
        const auto now = Steady::now();
        clients_.push_back(Client{fd, peer_of(addr, len), {}, now, now});
    }
}

bool ModbusServer::read_client(Client& c) {
    std::uint8_t buf[1024];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    const auto now = Steady::now();
    c.last_heard = now;
    if (c.frame.empty()) c.frame_since = now;
    c.frame.insert(c.frame.end(), buf, buf + n);
    // Every complete frame in what arrived (a client may send several at once).
    while (c.frame.size() >= 6) {
        const int protocol = (c.frame[2] << 8) | c.frame[3];
        const int length = (c.frame[4] << 8) | c.frame[5];  // unit id and PDU
        if (protocol != 0 || length < 2 || length > MODBUS_TCP_MAX_ADU_LENGTH - 6) {
            warn_refused(c.peer, "not a Modbus TCP frame: connection closed");
            return false;
        }
        const int total = 6 + length;
        if (static_cast<int>(c.frame.size()) < total) break;
        // A zeroed full-size copy: libmodbus reads a request's fields without its length.
        std::uint8_t frame[MODBUS_TCP_MAX_ADU_LENGTH] = {};
        std::copy_n(c.frame.begin(), total, frame);
        c.frame.erase(c.frame.begin(), c.frame.begin() + total);
        c.frame_since = now;
        if (!answer(c, frame, total)) return false;
    }
    return true;
}

bool ModbusServer::answer(Client& c, const std::uint8_t* frame, int length) {
    modbus_set_socket(ctx_, c.fd);
    if (auto write = modbus_map::parse_write(frame, length)) {
        const auto refusal = write->refusal != modbus_map::Refusal::none
                                 ? write->refusal
                                 : apply_write(*write, c.peer);
        if (refusal != modbus_map::Refusal::none)
            return modbus_reply_exception(ctx_, frame, static_cast<unsigned>(refusal)) > 0;
    }
    // Reads, and the echo of an accepted write, from images of the registers as they are now.
    const auto status = loop_.status_board().latest();
    const auto input = modbus_map::input_registers(status.get(), loop_.now());
    const auto holding = modbus_map::holding_registers(holding_, settings_);
    modbus_mapping_t* map = modbus_mapping_new_start_address(0, 0, 0, 0, modbus_map::kHoldingBase,
                                                             holding.size(), 0, input.size());
    if (map == nullptr) return false;
    std::copy(input.begin(), input.end(), map->tab_input_registers);
    std::copy(holding.begin(), holding.end(), map->tab_registers);
    const int sent = modbus_reply(ctx_, frame, length, map);
    modbus_mapping_free(map);
    return sent > 0;
}

modbus_map::Refusal ModbusServer::apply_write(const modbus_map::WriteRequest& request,
                                              const std::string& peer) {
    auto outcome = modbus_map::write(holding_, request.address, request.values);
    if (outcome.refusal != modbus_map::Refusal::none) {
        warn_refused(peer, "write of " + std::to_string(request.values.size()) +
                               " register(s) at " + std::to_string(request.address) + " refused");
        return outcome.refusal;
    }
    const auto& next = outcome.next;
    bool changed =
        next.enabled != holding_.enabled || (next.enabled && next.limit_w != holding_.limit_w);
    // The same limit again is a heartbeat; one the loop no longer holds is set again.
    if (!changed && next.enabled) changed = !loop_.refresh_site_limit("modbus");
    if (changed) {
        loop::SiteLimitRequest limit;
        if (next.enabled && next.limit_w) limit.limit_w = *next.limit_w;
        limit.heartbeat = settings_.heartbeat_timeout;
        limit.failsafe_w = settings_.failsafe_limit_w;
        limit.note = "holding " + std::to_string(40001 + request.address) + " from " + peer;
        if (Status st = loop_.set_site_limit("modbus", limit); !st) {
            warn_refused(peer, "limit refused: " + st.message);
            return modbus_map::Refusal::illegal_value;
        }
        log::notice("modbus", "site limit " + limit_text(next) + " from " + peer);
    }
    holding_ = next;
    return modbus_map::Refusal::none;
}

// Refusals go to the log, at most kRefusalsLoggedPerMinute a minute: a flood stays a flood.
void ModbusServer::warn_refused(const std::string& peer, const std::string& what) {
    const auto now = Steady::now();
    if (now - refusal_window_ > std::chrono::minutes(1)) refusal_window_ = now, refusals_ = 0;
    if (++refusals_ <= kRefusalsLoggedPerMinute) log::warn("modbus", peer + ": " + what);
}

}  // namespace hashsink::app
