#include "emulators/transport/multi_port_http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace hashsink::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;

// epoll tags: a listener is its index with the top bit set; the wake-up fd has its own value; a
// connection is its fd.
constexpr std::uint64_t kListenerTag = std::uint64_t{1} << 63;
constexpr std::uint64_t kWakeTag = kListenerTag - 1;

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 411:
            return "Length Required";
        case 413:
            return "Payload Too Large";
        case 500:
            return "Internal Server Error";
        default:
            return "Status";
    }
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// What the head of a request says about framing: its length, whether the peer wants the
// connection kept, and whether it is well formed enough to answer.
struct Head {
    HttpRequestLine line;
    std::size_t content_length = 0;
    bool keep_alive = true;
    int error_status = 0;  // non-zero: answer this and close
};

Head parse_head(std::string_view head) {
    Head h;
    const auto eol = head.find("\r\n");
    const std::string_view request_line = head.substr(0, eol);
    const auto sp1 = request_line.find(' ');
    const auto sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) {
        h.error_status = 400;
        return h;
    }
    h.line.method = std::string(request_line.substr(0, sp1));
    std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    h.line.path = std::string(target);
    h.keep_alive = request_line.substr(sp2 + 1) != "HTTP/1.0";
    std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view field = head.substr(pos, end - pos);
        pos = end + 2;
        const auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim(field.substr(0, colon));
        const std::string_view value = trim(field.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
            std::size_t n = 0;
            for (char ch : value) {
                if (ch < '0' || ch > '9' || n > (std::size_t{1} << 40)) {
                    h.error_status = 400;
                    return h;
                }
                n = n * 10 + static_cast<std::size_t>(ch - '0');
            }
            h.content_length = n;
        } else if (iequals(name, "Transfer-Encoding")) {
            h.error_status = 411;  // no chunked bodies: a device API client sends a length
        } else if (iequals(name, "Connection")) {
            if (iequals(value, "close")) h.keep_alive = false;
            if (iequals(value, "keep-alive")) h.keep_alive = true;
        }
    }
    return h;
}

std::string serialize(const HttpReply& r, bool keep_alive) {
    std::string out =
        "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
    if (!r.content_type.empty()) out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    out += r.body;
    return out;
}

Result<std::pair<int, int>> listen_on_free_port(const std::string& bind) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Status::error(ErrorCode::io, std::string("socket: ") + std::strerror(errno), false);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    if (::inet_pton(AF_INET, bind.c_str(), &addr.sin_addr) != 1) {
        ::close(fd);
        return Status::error(ErrorCode::invalid, "bind address '" + bind + "' is not IPv4", false);
    }
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 128) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int err = errno;
        ::close(fd);
        return Status::error(ErrorCode::io, "listen on " + bind + ": " + std::strerror(err), false);
    }
    return std::pair{fd, static_cast<int>(ntohs(addr.sin_port))};
}

}  // namespace

struct MultiPortHttpServer::Connection {
    int fd = -1;
    std::size_t index = 0;  // the device it reached
    std::string in;
    std::string out;
    std::size_t out_pos = 0;
    bool close_after_write = false;
    bool closed = false;  // its memory lives until the end of the event round
    SteadyClock::time_point last_active{};
};

MultiPortHttpServer::MultiPortHttpServer() = default;
MultiPortHttpServer::~MultiPortHttpServer() { stop(); }

std::string MultiPortHttpServer::url(std::size_t index) const {
    return "http://" + options_.bind + ":" + std::to_string(ports_.at(index));
}

Status MultiPortHttpServer::start(std::size_t count, Handler handler, Options options) {
    stop();
    handler_ = std::move(handler);
    options_ = std::move(options);
    stopping_ = false;
    auto fail = [this](Status st) {
        stop();  // no thread yet: closes what was opened
        return st;
    };
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0)
        return fail(
            Status::error(ErrorCode::io, std::string("epoll: ") + std::strerror(errno), false));
    epoll_event wake{.events = EPOLLIN, .data = {.u64 = kWakeTag}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
    for (std::size_t i = 0; i < count; ++i) {
        auto listening = listen_on_free_port(options_.bind);
        if (!listening)
            return fail(Status::error(listening.error().code,
                                      "port " + std::to_string(i + 1) + " of " +
                                          std::to_string(count) + ": " + listening.error().message,
                                      false));
        listen_fds_.push_back(listening->first);
        ports_.push_back(listening->second);
        epoll_event ev{.events = EPOLLIN, .data = {.u64 = kListenerTag | i}};
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listening->first, &ev);
    }
    thread_ = std::thread([this] { serve(); });
    return Status::success();
}

void MultiPortHttpServer::stop() {
    if (thread_.joinable()) {
        stopping_ = true;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
        thread_.join();
    }
    for (auto& c : connections_)
        if (c) ::close(c->fd);
    connections_.clear();
    closed_.clear();
    open_connections_ = 0;
    for (int fd : listen_fds_) ::close(fd);
    listen_fds_.clear();
    ports_.clear();
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    epoll_fd_ = wake_fd_ = -1;
}

void MultiPortHttpServer::serve() {
    std::vector<epoll_event> events(256);
    auto next_sweep = SteadyClock::now();
    const auto sweep_every = std::max(options_.idle_timeout / 4, std::chrono::milliseconds{10});
    while (!stopping_) {
        const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(sweep_every.count()));
        for (int k = 0; k < n && !stopping_; ++k) {
            const std::uint64_t tag = events[k].data.u64;
            if (tag == kWakeTag) continue;
            if (tag & kListenerTag) {
                accept_all(static_cast<std::size_t>(tag & ~kListenerTag));
                continue;
            }
            const auto fd = static_cast<std::size_t>(tag);
            if (fd >= connections_.size() || !connections_[fd]) continue;  // closed this round
            Connection& c = *connections_[fd];
            if (events[k].events & (EPOLLERR | EPOLLHUP)) {
                close_connection(c);
            } else if (events[k].events & EPOLLOUT) {
                on_writable(c);
            } else if (events[k].events & EPOLLIN) {
                on_readable(c);
            }
        }
        closed_.clear();
        const auto now = SteadyClock::now();
        if (now >= next_sweep) {
            close_idle(now);
            closed_.clear();
            next_sweep = now + sweep_every;
        }
    }
}

void MultiPortHttpServer::accept_all(std::size_t index) {
    while (true) {
        const int fd =
            ::accept4(listen_fds_[index], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN, or out of files: the peer waits in the backlog
        if (static_cast<std::size_t>(fd) >= connections_.size())
            connections_.resize(static_cast<std::size_t>(fd) + 1024);
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->index = index;
        c->last_active = SteadyClock::now();
        epoll_event ev{.events = EPOLLIN, .data = {.u64 = static_cast<std::uint64_t>(fd)}};
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
        connections_[static_cast<std::size_t>(fd)] = std::move(c);
        ++open_connections_;
    }
}

void MultiPortHttpServer::on_readable(Connection& c) {
    char buf[16 * 1024];
    while (true) {
        const ssize_t got = ::read(c.fd, buf, sizeof buf);
        if (got > 0) {
            c.in.append(buf, static_cast<std::size_t>(got));
            if (c.in.size() > options_.max_request_bytes + 8192) break;
            continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            close_connection(c);  // the peer closed, or the socket failed
            return;
        }
        if (errno != EINTR) break;
    }
    c.last_active = SteadyClock::now();
    answer_buffered(c);
}

bool MultiPortHttpServer::answer_buffered(Connection& c) {
    // Every complete request in the buffer is answered in order (pipelining), unless one asks
    // for the connection to close.
    while (!c.close_after_write) {
        const auto head_end = c.in.find("\r\n\r\n");
        if (head_end == std::string::npos) {
            if (c.in.size() <= options_.max_request_bytes) break;
            c.in.clear();
            c.out += serialize({.status = 413, .content_type = "text/plain", .body = "too large"},
                               false);
            c.close_after_write = true;
            break;
        }
        Head head = parse_head(std::string_view(c.in).substr(0, head_end));
        if (head.error_status == 0 && head.content_length > options_.max_request_bytes)
            head.error_status = 413;
        if (head.error_status != 0) {
            c.in.clear();
            c.out += serialize({.status = head.error_status,
                                .content_type = "text/plain",
                                .body = reason_phrase(head.error_status)},
                               false);
            c.close_after_write = true;
            break;
        }
        const std::size_t total = head_end + 4 + head.content_length;
        if (c.in.size() < total) break;  // the body is still coming
        head.line.body = c.in.substr(head_end + 4, head.content_length);
        c.in.erase(0, total);
        HttpReply reply;
        try {
            reply = handler_(c.index, head.line);
        } catch (const std::exception& e) {
            reply = {.status = 500, .content_type = "text/plain", .body = e.what()};
        }
        ++requests_;
        c.out += serialize(reply, head.keep_alive);
        c.close_after_write = !head.keep_alive;
    }
    if (c.out.size() > c.out_pos) on_writable(c);
    return !c.closed;
}

void MultiPortHttpServer::on_writable(Connection& c) {
    while (c.out_pos < c.out.size()) {
        const ssize_t put =
            ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
        if (put > 0) {
            c.out_pos += static_cast<std::size_t>(put);
            continue;
        }
        if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            epoll_event ev{.events = EPOLLOUT, .data = {.u64 = static_cast<std::uint64_t>(c.fd)}};
            ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
            return;
        }
        if (put < 0 && errno == EINTR) continue;
        close_connection(c);
        return;
    }
    c.out.clear();
    c.out_pos = 0;
    c.last_active = SteadyClock::now();
    if (c.close_after_write) {
        close_connection(c);
        return;
    }
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = static_cast<std::uint64_t>(c.fd)}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    if (!c.in.empty()) answer_buffered(c);  // a request that came while the reply was going out
}

void MultiPortHttpServer::close_connection(Connection& c) {
    if (c.closed) return;
    c.closed = true;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    // Callers up the stack still hold `c`: it is freed after the round.
    closed_.push_back(std::move(connections_[static_cast<std::size_t>(c.fd)]));
    --open_connections_;
}

void MultiPortHttpServer::close_idle(SteadyClock::time_point now) {
    for (auto& c : connections_)
        if (c && c->out.empty() && now - c->last_active >= options_.idle_timeout)
            close_connection(*c);
}

}  // namespace hashsink::transport
