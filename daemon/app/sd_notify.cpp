#include "daemon/app/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hashsink::app {
namespace {

std::optional<unsigned long long> parse_unsigned(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    unsigned long long v = 0;
    for (const char* p = text; *p; ++p) {
        if (*p < '0' || *p > '9') return std::nullopt;
        if (v > (~0ULL - 9) / 10) return std::nullopt;  // overflow
        v = v * 10 + static_cast<unsigned>(*p - '0');
    }
    return v;
}

}  // namespace

bool sd_notify(std::string_view state) noexcept {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || (path[0] != '/' && path[0] != '@')) return false;
    std::size_t len = std::strlen(path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (len < 2 || len >= sizeof(addr.sun_path)) return false;
    std::memcpy(addr.sun_path, path, len);
    socklen_t addr_len;
    if (path[0] == '@') {
        addr.sun_path[0] = '\0';  // abstract namespace: no terminator, length counts
        addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    } else {
        addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + 1);
    }
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ssize_t sent;
    do {
        sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                        reinterpret_cast<const sockaddr*>(&addr), addr_len);
    } while (sent < 0 && errno == EINTR);
    ::close(fd);
    return sent == static_cast<ssize_t>(state.size());
}

std::optional<Duration> watchdog_interval() noexcept {
    auto usec = parse_unsigned(std::getenv("WATCHDOG_USEC"));
    if (!usec || *usec == 0) return std::nullopt;
    if (const char* pid_text = std::getenv("WATCHDOG_PID")) {
        auto pid = parse_unsigned(pid_text);
        if (!pid || *pid != static_cast<unsigned long long>(::getpid())) return std::nullopt;
    }
    unsigned long long ms = *usec / 1000;
    if (ms == 0) ms = 1;
    if (ms > 365ULL * 24 * 3600 * 1000) ms = 365ULL * 24 * 3600 * 1000;
    return Duration{static_cast<Duration::rep>(ms)};
}

}  // namespace hashsink::app
