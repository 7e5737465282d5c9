#include "adapters/miners/whatsminer/v3_link.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace hashsink::miners::whatsminer {
namespace {

using Clock = std::chrono::steady_clock;

struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

// Waits for `events` until the deadline: true when ready.
bool ready(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (r > 0) return true;
        if (r < 0 && errno != EINTR) return false;
    }
}

}  // namespace

int v3_read_exact(int fd, char* out, std::size_t n, Clock::time_point deadline) {
    std::size_t got = 0;
    while (got < n) {
        if (!ready(fd, POLLIN, deadline)) return 0;
        ssize_t r = ::recv(fd, out + got, n - got, 0);
        if (r == 0) return -1;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        got += static_cast<std::size_t>(r);
    }
    return 1;
}

bool v3_write_all(int fd, const std::string& data, Clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        if (!ready(fd, POLLOUT, deadline)) return false;
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::string v3_frame(const std::string& body) {
    const auto n = static_cast<std::uint32_t>(body.size());
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + body;
}

std::uint32_t v3_frame_length(const char* p) {
    std::uint32_t n = 0;
    for (int i = 3; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(p[i]);
    return n;
}

Result<nlohmann::json> v3_exchange(const std::string& host, int port, Duration timeout,
                                   const nlohmann::json& request) noexcept {
    std::string what = "request";
    try {
        what = request.value("cmd", std::string("request"));
        const std::string where = host + ":" + std::to_string(port);
        const auto deadline = Clock::now() + timeout;
        auto fail = [&](ErrorCode code, const std::string& cause, bool retry = true) {
            return Status::error(code, what + ": " + cause, retry);
        };
        auto late = [&] {
            return fail(ErrorCode::timeout,
                        "no answer from " + where + " within " + format_duration(timeout));
        };
        addrinfo hints{};
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 ||
            found == nullptr)
            return fail(ErrorCode::unreachable, "cannot resolve " + host);
        Socket s;
        s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int rc = s.fd < 0 ? -1 : ::connect(s.fd, found->ai_addr, found->ai_addrlen);
        const int connect_errno = errno;
        ::freeaddrinfo(found);
        if (s.fd < 0) return fail(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
        if (rc != 0) {
            if (connect_errno != EINPROGRESS)
                return fail(ErrorCode::unreachable,
                            "cannot connect to " + where + ": " + std::strerror(connect_errno));
            if (!ready(s.fd, POLLOUT, deadline)) return late();
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0)
                return fail(ErrorCode::unreachable,
                            "cannot connect to " + where + ": " + std::strerror(err));
        }
        if (!v3_write_all(s.fd, v3_frame(request.dump()), deadline))
            return fail(ErrorCode::unreachable, "send to " + where + " failed");
        char head[4];
        if (int r = v3_read_exact(s.fd, head, 4, deadline); r <= 0)
            return r == 0 ? late()
                          : fail(ErrorCode::unreachable, where + " closed without a reply");
        const std::uint32_t n = v3_frame_length(head);
        if (n > kV3MaxFrameBytes)
            return fail(ErrorCode::protocol, "reply frame of " + std::to_string(n) + " bytes",
                        false);
        std::string body(n, '\0');
        if (int r = v3_read_exact(s.fd, body.data(), n, deadline); r <= 0)
            return r == 0 ? late() : fail(ErrorCode::unreachable, where + " closed mid-reply");
        auto j = nlohmann::json::parse(body, nullptr, false);
        if (!j.is_object())
            return fail(ErrorCode::protocol, "reply is not a JSON object: " + body.substr(0, 80),
                        false);
        return j;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, what + ": " + e.what());
    }
}

Result<nlohmann::json> V3Link::call(const std::string& cmd, const nlohmann::json& param) {
    nlohmann::json req{{"cmd", cmd}};
    if (!param.is_null()) req["param"] = param;
    auto r = v3_exchange(endpoint_.host, endpoint_.port, endpoint_.timeout, req);
    if (!r) return r.error();
    if (auto why = v3_failure(*r); !why.empty())
        return Status::error(ErrorCode::rejected, cmd + ": " + why, false);
    return r;
}

Result<Reading> V3Link::read() {
    Reading r;
    auto info = call("get.device.info", nullptr);
    if (!info) return info.error();
    // The salt is fetched only when writing (renew_credentials), so a rotated salt shows as a
    // refused write and is renewed there.
    decode_v3_device_info(*info, r, nullptr);
    auto summary = call("get.miner.status", "summary");
    if (!summary) return summary.error();
    decode_v3_summary(*summary, r);
    if (!r.hashrate_ths && !r.power_w)
        return Status::error(ErrorCode::protocol, "get.miner.status: no summary hashrate or power");
    return r;
}

void V3Link::complete_identity(Reading& r) {
    if (!r.version.firmware.empty()) return;
    if (auto v = v2_client_.command("get_version")) {
        if (auto version = decode_v2_version(*v)) r.version = *version;
    }
}

Write V3Link::command(Action action, long watts) const {
    switch (action) {
        case Action::power_off:
            return {"set.miner.service", "stop"};
        case Action::power_on:
            return {"set.miner.service", "start"};
        case Action::power_limit:
            break;
    }
    return {"set.miner.power_limit", watts};
}

Status V3Link::renew_credentials(const std::string& /*password*/) {
    auto info = call("get.device.info", "salt");
    if (!info) return info.error();
    const nlohmann::json& msg = (*info)["msg"];
    std::string salt = msg.is_object() ? transport::json_string(msg, "salt") : std::string();
    if (salt.empty())
        return Status::error(ErrorCode::protocol, "get.device.info salt: no salt in the reply",
                             false);
    salt_ = salt;
    return Status::success();
}

Result<nlohmann::json> V3Link::write_once(const Write& write, const std::string& password) {
    const long long ts = static_cast<long long>(clock_());
    nlohmann::json req{{"cmd", write.cmd},
                       {"param", write.param},
                       {"ts", ts},
                       {"account", endpoint_.account},
                       {"token", v3_token(write.cmd, password, salt_, ts)}};
    return v3_exchange(endpoint_.host, endpoint_.port, endpoint_.timeout, req);
}

Refusal V3Link::refusal(const nlohmann::json& reply) const {
    constexpr long kNoPermission = -4;
    std::string reason = v3_failure(reply);
    if (reason.empty()) return {};
    return {reason, transport::json_number(reply, "code").value_or(0) == kNoPermission};
}

}  // namespace hashsink::miners::whatsminer
