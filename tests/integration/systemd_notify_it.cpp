// sd_notify against a real AF_UNIX datagram socket, path and abstract.
#include <catch2/catch.hpp>

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <random>

#include "daemon/app/sd_notify.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;

namespace {

class Listener {
public:
    // name starting with '@' binds an abstract socket.
    explicit Listener(const std::string& name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(name.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, name.data(), name.size());
        socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        if (name[0] == '@') addr.sun_path[0] = '\0';
        else len += 1;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    }
    ~Listener() { ::close(fd_); }
    std::string receive(int timeout_ms = 2000) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return "<nothing>";
        char buf[512];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n < 0 ? "<error>" : std::string(buf, static_cast<std::size_t>(n));
    }

private:
    int fd_ = -1;
};

struct EnvGuard {
    explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
        for (const auto& n : names_) ::unsetenv(n.c_str());
    }
    ~EnvGuard() {
        for (const auto& n : names_) ::unsetenv(n.c_str());
    }
    std::vector<std::string> names_;
};

}  // namespace

TEST_CASE("systemd notify: datagrams reach a path socket", "[systemd]") {
    EnvGuard env({"NOTIFY_SOCKET"});
    std::string dir = test::temp_dir();
    std::string path = dir + "/notify";
    Listener listener(path);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    CHECK(app::sd_notify("READY=1"));
    CHECK(listener.receive() == "READY=1");
    CHECK(app::sd_notify("WATCHDOG=1"));
    CHECK(listener.receive() == "WATCHDOG=1");
    CHECK(app::sd_notify("STATUS=budget 1200 W\nWATCHDOG=1"));
    CHECK(listener.receive() == "STATUS=budget 1200 W\nWATCHDOG=1");
    std::filesystem::remove_all(dir);
}

TEST_CASE("systemd notify: datagrams reach an abstract socket", "[systemd]") {
    EnvGuard env({"NOTIFY_SOCKET"});
    std::string name = "@hashsink-test-" + std::to_string(::getpid()) + "-" +
                       std::to_string(std::random_device{}());
    Listener listener(name);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    CHECK(app::sd_notify("READY=1"));
    CHECK(listener.receive() == "READY=1");
}

TEST_CASE("systemd notify: no socket, bad socket", "[systemd]") {
    EnvGuard env({"NOTIFY_SOCKET"});
    CHECK_FALSE(app::sd_notify("READY=1"));
    ::setenv("NOTIFY_SOCKET", "relative/path", 1);
    CHECK_FALSE(app::sd_notify("READY=1"));
    ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
    CHECK_FALSE(app::sd_notify("READY=1"));
    ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
    CHECK_FALSE(app::sd_notify("READY=1"));
    ::setenv("NOTIFY_SOCKET", "@", 1);
    CHECK_FALSE(app::sd_notify("READY=1"));
}

TEST_CASE("systemd notify: watchdog interval from the environment", "[systemd]") {
    EnvGuard env({"WATCHDOG_USEC", "WATCHDOG_PID"});
    CHECK_FALSE(app::watchdog_interval());
    ::setenv("WATCHDOG_USEC", "10000000", 1);
    CHECK(app::watchdog_interval() == Duration{10000});
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    CHECK(app::watchdog_interval() == Duration{10000});
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    CHECK_FALSE(app::watchdog_interval());  // meant for another process
    ::setenv("WATCHDOG_PID", "abc", 1);
    CHECK_FALSE(app::watchdog_interval());
    ::unsetenv("WATCHDOG_PID");
    ::setenv("WATCHDOG_USEC", "0", 1);
    CHECK_FALSE(app::watchdog_interval());
    ::setenv("WATCHDOG_USEC", "12x", 1);
    CHECK_FALSE(app::watchdog_interval());
    ::setenv("WATCHDOG_USEC", "99999999999999999999999", 1);
    CHECK_FALSE(app::watchdog_interval());
    ::setenv("WATCHDOG_USEC", "500", 1);
    CHECK(app::watchdog_interval() == Duration{1});
}
