// The 4028 client against the loopback CgminerServer and against raw misbehaving peers.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "adapters/transport/cgminer_client.hpp"
#include "emulators/transport/cgminer_server.hpp"
#include "tests/support/net.hpp"

using namespace hashsink;
using namespace hashsink::transport;
using namespace std::chrono_literals;

namespace {

// A raw peer that accepts one connection at a time and runs `act(fd)` on it.
class RawPeer {
public:
    explicit RawPeer(std::function<void(int)> act) : act_(std::move(act)) {
        fd_ = test::listen_loopback(port_);
        thread_ = std::thread([this] {
            while (!stop_) {
                int c = ::accept(fd_, nullptr, nullptr);
                if (c < 0) return;
                if (!stop_) act_(c);
                ::close(c);
            }
        });
    }
    ~RawPeer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    int port() const { return port_; }

private:
    std::function<void(int)> act_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void read_some(int fd) {
    char buf[1024];
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    [[maybe_unused]] auto n = ::recv(fd, buf, sizeof buf, 0);
}

void send_all(int fd, std::string_view s) {
    [[maybe_unused]] auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
}

}  // namespace

TEST_CASE("cgminer client: command and reply through the loopback server", "[cgminer]") {
    CgminerServer server;
    std::string seen;
    REQUIRE(server.start("127.0.0.1", 0, [&](const std::string& req) -> std::optional<std::string> {
        seen = req;
        return R"({"STATUS":[{"STATUS":"S","Code":22,"Msg":"versions","Description":"cgminer 4.11.1"}],"VERSION":[{"Type":"Avalon1246"}],"id":1})";
    }));
    CgminerClient client("127.0.0.1", server.port(), {.timeout = 2000ms});
    auto r = client.command("version");
    REQUIRE(r);
    CHECK(first_of(*r, "VERSION")["Type"] == "Avalon1246");
    CHECK(seen == R"({"command":"version"})");
    auto p = client.command("ascset", "0,softoff,1:1700000000");
    REQUIRE(p);
    CHECK(seen == R"({"command":"ascset","parameter":"0,softoff,1:1700000000"})");
}

TEST_CASE("cgminer client: STATUS E, close without reply, refused", "[cgminer]") {
    CgminerServer server;
    REQUIRE(server.start("127.0.0.1", 0, [](const std::string& req) -> std::optional<std::string> {
        if (req.find("softon") != std::string::npos) return std::nullopt;
        return R"({"STATUS":[{"STATUS":"E","Code":14,"Msg":"Invalid command"}],"id":1})";
    }));
    CgminerClient client("127.0.0.1", server.port());
    auto bad = client.command("nope");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::rejected);
    CHECK(bad.error().message == "nope: STATUS E code 14: Invalid command");
    CHECK(client.request("nope"));   // request() does not check STATUS
    auto raw = client.exchange(R"({"command":"ascset","parameter":"0,softon,1:1"})");
    REQUIRE(raw);
    CHECK(raw->empty());
    CHECK(client.command("ascset", "0,softon,1:1").error().code == ErrorCode::protocol);

    const int closed = test::free_port();
    CgminerClient nobody("127.0.0.1", closed, {.timeout = 500ms});
    auto r = nobody.command("summary");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::unreachable);
    CHECK(r.error().retryable);
    CHECK(r.error().message.find("summary: cannot connect to 127.0.0.1:") == 0);
}

TEST_CASE("cgminer client: a silent peer times out on time", "[cgminer]") {
    RawPeer silent([](int fd) {
        read_some(fd);
        std::this_thread::sleep_for(1500ms);
    });
    CgminerClient client("127.0.0.1", silent.port(), {.timeout = 300ms});
    auto t0 = std::chrono::steady_clock::now();
    auto r = client.command("summary");
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(took < 1000ms);
}

TEST_CASE("cgminer client: a slow drip is bounded by the deadline", "[cgminer]") {
    RawPeer drip([](int fd) {
        read_some(fd);
        for (int i = 0; i < 40; ++i) {
            send_all(fd, "{");
            std::this_thread::sleep_for(50ms);
        }
    });
    CgminerClient client("127.0.0.1", drip.port(), {.timeout = 400ms});
    auto t0 = std::chrono::steady_clock::now();
    auto r = client.exchange("{\"command\":\"summary\"}");
    CHECK_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(std::chrono::steady_clock::now() - t0 < 1200ms);
}

TEST_CASE("cgminer client: an oversized reply is refused", "[cgminer]") {
    RawPeer flood([](int fd) {
        read_some(fd);
        std::string chunk(64 * 1024, 'x');
        for (int i = 0; i < 8; ++i) send_all(fd, chunk);
    });
    CgminerClient client("127.0.0.1", flood.port(),
                         {.timeout = 2000ms, .max_reply_bytes = 100 * 1024});
    auto r = client.exchange("{\"command\":\"stats\"}");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::protocol);
}

TEST_CASE("cgminer client: NUL ends the reply even if the peer keeps the socket", "[cgminer]") {
    RawPeer lingering([](int fd) {
        read_some(fd);
        std::string reply = R"({"STATUS":[{"STATUS":"S","Code":11}],"SUMMARY":[{"GHS 5s":"100.5",}],"id":1})";
        reply.push_back('\0');
        reply += "junk after";
        send_all(fd, reply);
        std::this_thread::sleep_for(1500ms);
    });
    CgminerClient client("127.0.0.1", lingering.port(), {.timeout = 1000ms});
    auto t0 = std::chrono::steady_clock::now();
    auto r = client.command("summary");
    REQUIRE(r);
    CHECK(*json_number(first_of(*r, "SUMMARY"), "GHS 5s") == Approx(100.5));
    CHECK(std::chrono::steady_clock::now() - t0 < 900ms);
}

TEST_CASE("cgminer server: restarts on the same port and stops promptly", "[cgminer]") {
    CgminerServer server;
    auto handler = [](const std::string&) -> std::optional<std::string> { return "{\"id\":1}"; };
    REQUIRE(server.start("127.0.0.1", 0, handler));
    const int port = server.port();
    server.stop();
    CgminerClient client("127.0.0.1", port, {.timeout = 500ms});
    CHECK(client.request("x").error().code == ErrorCode::unreachable);
    REQUIRE(server.start("127.0.0.1", port, handler));
    CHECK(client.request("x"));
    // A client that connects and sends nothing does not hold stop() for long.
    RawPeer dummy([](int) {});
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::this_thread::sleep_for(50ms);
    auto t0 = std::chrono::steady_clock::now();
    server.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    ::close(fd);
}
