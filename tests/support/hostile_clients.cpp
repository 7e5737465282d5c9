#include "tests/support/hostile_clients.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace hashsink::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kDripHead = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

int millis_left(Clock::time_point until) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
}

// Reads until a status line is complete, the peer closes, or `until`.
void read_answer(int fd, Clock::time_point until, Exchange& ex) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, millis_left(until)) <= 0) return;
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ex.closed = true;
            break;
        }
        got.append(buf, static_cast<std::size_t>(n));
    }
    if (got.rfind("HTTP/1.", 0) == 0 && got.size() > 12) ex.status = std::atoi(got.c_str() + 9);
}

// Whether the server has answered or closed (something to read, or a hang-up).
bool server_spoke(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

// Sends all of `data` unless the server speaks first or `until` passes; false then.
bool send_all(int fd, const std::string& data, Clock::time_point until) {
    std::size_t off = 0;
    while (off < data.size()) {
        if (server_spoke(fd)) return false;
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, std::min(millis_left(until), 50)) <= 0) {
            if (millis_left(until) == 0) return false;
            continue;
        }
        auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN) return false;
        if (n > 0) off += static_cast<std::size_t>(n);
    }
    return true;
}

std::string chunk(std::size_t n) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    return size + std::string(n, 'x') + "\r\n";
}

}  // namespace

int connect_loopback(int port, std::chrono::milliseconds timeout) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

Exchange exchange(int port, const std::string& head, std::size_t body_bytes, bool chunked,
                  std::chrono::milliseconds timeout) {
    Exchange ex;
    const auto start = Clock::now();
    const auto until = start + timeout;
    int fd = connect_loopback(port, timeout);
    if (fd < 0) return ex;
    if (send_all(fd, head, until)) {
        const std::size_t piece = std::size_t{64} * 1024;
        const std::string plain(piece, 'x');
        const std::string one_chunk = chunk(piece);
        while (ex.body_sent < body_bytes) {
            if (!send_all(fd, chunked ? one_chunk : plain, until)) break;
            ex.body_sent += piece;
        }
        if (chunked && ex.body_sent >= body_bytes) send_all(fd, "0\r\n\r\n", until);
    }
    read_answer(fd, until, ex);
    ex.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ::close(fd);
    return ex;
}

Exchange timed_get(int port, const std::string& path, std::chrono::milliseconds timeout) {
    return exchange(port,
                    "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 0,
                    false, timeout);
}

HeldConnections::HeldConnections(int port, int count, bool drip, std::chrono::milliseconds every) {
    // Room for the sockets moved up below: a soft limit of 1024 is common, the hard one is higher.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 8192) {
        files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    for (int i = 0; i < count; ++i) {
        int fd = connect_loopback(port, std::chrono::seconds(2));
        if (fd < 0) continue;
        // Moved above 4096, so the process's own sockets (the site's HTTP clients, the
        // emulators) keep numbers below select()'s 1024, as they would without these tests.
        int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 4096);
        if (high >= 0) ::close(fd);
        fds_.push_back(high >= 0 ? high : fd);
    }
    if (drip) dripper_ = std::thread([this, every] { drip_loop(every); });
}

HeldConnections::~HeldConnections() {
    stop_ = true;
    if (dripper_.joinable()) dripper_.join();
    for (int fd : fds_) ::close(fd);
}

void HeldConnections::drip_loop(std::chrono::milliseconds every) {
    // Each connection sends the head's next byte once per `every`; after the head, 'a' forever.
    for (std::size_t sent = 0; !stop_; ++sent) {
        const char c = sent < kDripHead.size() ? kDripHead[sent] : 'a';
        for (int fd : fds_) ::send(fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        const auto next = Clock::now() + every;
        while (!stop_ && Clock::now() < next)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

int HeldConnections::closed_by_server() const {
    int n = 0;
    for (int fd : fds_) n += server_spoke(fd) ? 1 : 0;
    return n;
}

}  // namespace hashsink::test
