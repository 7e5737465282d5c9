#include "adapters/transport/cgminer_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

namespace hashsink::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd& operator=(Fd&&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

int ms_left(SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                       SteadyClock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 60000));
}

// Waits for `events` on fd until the deadline: 1 ready, 0 timed out, -1 error.
int wait_fd(int fd, short events, SteadyClock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int left = ms_left(deadline);
        int r = ::poll(&p, 1, left);
        if (r > 0) return 1;
        if (r == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

CgminerClient::CgminerClient(std::string host, int port, CgminerClientOptions options)
    : host_(std::move(host)), port_(port), options_(options) {
    if (options_.timeout <= Duration{0}) options_.timeout = Duration{1};
}

namespace {

// One exchange's peer and deadline, for its stages and their messages.
struct Exchange {
    std::string where;  // host:port
    Duration timeout;
    SteadyClock::time_point deadline;

    Status timed_out(const char* stage) const {
        return Status::error(
            ErrorCode::timeout,
            std::string(stage) + " " + where + ": no answer within " + format_duration(timeout));
    }
};

Result<sockaddr_in> resolve(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port_text = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found);
        rc != 0 || found == nullptr) {
        return Status::error(ErrorCode::unreachable,
                             "cannot resolve " + host + ": " + ::gai_strerror(rc));
    }
    sockaddr_in addr{};
    std::memcpy(&addr, found->ai_addr, std::min<std::size_t>(sizeof addr, found->ai_addrlen));
    ::freeaddrinfo(found);
    return addr;
}

Result<Fd> connect_to(const sockaddr_in& addr, const Exchange& x) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        return Status::error(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS) {
            return Status::error(ErrorCode::unreachable,
                                 "cannot connect to " + x.where + ": " + std::strerror(errno));
        }
        int w = wait_fd(fd.get(), POLLOUT, x.deadline);
        if (w == 0) return x.timed_out("connect to");
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (w < 0 || err != 0) {
            return Status::error(ErrorCode::unreachable, "cannot connect to " + x.where + ": " +
                                                             std::strerror(err != 0 ? err : errno));
        }
    }
    return fd;
}

Status send_all(int fd, std::string_view request, const Exchange& x) {
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            int w = wait_fd(fd, POLLOUT, x.deadline);
            if (w == 0) return x.timed_out("send to");
            if (w > 0) continue;
        }
        return Status::error(ErrorCode::unreachable,
                             "send to " + x.where + ": " + std::strerror(errno));
    }
    return Status::success();
}

// The reply: until the peer closes, or up to a NUL (some firmware keeps the socket open).
Result<std::string> read_reply(int fd, std::size_t max_bytes, const Exchange& x) {
    std::string reply;
    char buf[16384];
    for (;;) {
        int w = wait_fd(fd, POLLIN, x.deadline);
        if (w == 0) return x.timed_out("reply from");
        if (w < 0) {
            return Status::error(ErrorCode::unreachable,
                                 "reply from " + x.where + ": " + std::strerror(errno));
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) break;  // peer closed: the reply is complete
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            if (errno == ECONNRESET && !reply.empty()) break;
            return Status::error(ErrorCode::unreachable,
                                 "connection to " + x.where + " dropped: " + std::strerror(errno));
        }
        std::string_view chunk(buf, static_cast<std::size_t>(n));
        auto nul = chunk.find('\0');
        if (reply.size() + std::min(chunk.size(), nul) > max_bytes) {
            return Status::error(
                ErrorCode::protocol,
                "reply from " + x.where + " larger than " + std::to_string(max_bytes) + " bytes",
                false);
        }
        if (nul != std::string_view::npos) {
            reply.append(chunk.substr(0, nul));
            break;  // NUL ends the reply even when the peer keeps the socket open
        }
        reply.append(chunk);
    }
    return reply;
}

}  // namespace

Result<std::string> CgminerClient::exchange(std::string_view request) noexcept {
    const std::string where = host_ + ":" + std::to_string(port_);
    try {
        const Exchange x{where, options_.timeout, SteadyClock::now() + options_.timeout};
        if (port_ < 1 || port_ > 65535 || host_.empty()) {
            return Status::error(ErrorCode::invalid, "bad address " + where, false);
        }
        auto addr = resolve(host_, port_);
        if (!addr) return addr.error();
        auto fd = connect_to(*addr, x);
        if (!fd) return fd.error();
        if (auto st = send_all(fd->get(), request, x); !st) return st;
        return read_reply(fd->get(), options_.max_reply_bytes, x);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::unreachable, where + ": " + e.what());
    } catch (...) {
        return Status::error(ErrorCode::unreachable, where + ": unknown failure");
    }
}

Result<json> CgminerClient::request(std::string_view command,
                                    std::string_view parameter) noexcept {
    try {
        json req = {{"command", std::string(command)}};
        if (!parameter.empty()) req["parameter"] = std::string(parameter);
        auto raw = exchange(req.dump());
        if (!raw) {
            const auto& e = raw.error();
            return Status::error(e.code, std::string(command) + ": " + e.message, e.retryable);
        }
        return parse_cgminer_reply(*raw, command);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, std::string(command) + ": " + e.what());
    }
}

Result<json> CgminerClient::command(std::string_view command,
                                    std::string_view parameter) noexcept {
    auto reply = request(command, parameter);
    if (!reply) return reply;
    if (auto st = check_reply(*reply, command); !st) return st;
    return reply;
}

CgminerStatus reply_status(const json& reply) {
    CgminerStatus out;
    if (!reply.is_object()) return out;
    auto it = reply.find("STATUS");
    if (it == reply.end()) return out;
    const json* entry = nullptr;
    if (it->is_array() && !it->empty() && (*it)[0].is_object()) {
        entry = &(*it)[0];
    } else if (it->is_string()) {
        entry = &reply;   // Whatsminer envelope: STATUS, Code, Msg beside each other
    }
    if (entry == nullptr) return out;
    out.present = true;
    if (entry == &reply) {
        out.status = it->get<std::string>();
    } else {
        out.status = json_string(*entry, "STATUS");
    }
    out.code = json_integer<long>(*entry, "Code").value_or(0);
    if (auto m = entry->find("Msg"); m != entry->end()) {
        out.msg = m->is_string() ? m->get<std::string>() : m->dump();
    }
    out.description = json_string(*entry, "Description");
    return out;
}

Status check_reply(const json& reply, std::string_view what) {
    auto st = reply_status(reply);
    if (!st.present || (st.status != "E" && st.status != "F")) return Status::success();
    std::string msg = st.msg.size() > 200 ? st.msg.substr(0, 200) + "..." : st.msg;
    return Status::error(ErrorCode::rejected,
                         std::string(what) + ": STATUS " + st.status + " code " +
                             std::to_string(st.code) + ": " + msg,
                         false);
}

namespace {

// The repair, character by character: strings copied (control characters as spaces),
// separators added where firmware leaves them out and dropped where it doubles them, bare
// non-numbers as null, and a truncated reply cut to its complete elements and closed.
class JsonRepair {
public:
    explicit JsonRepair(std::string_view raw) : raw_(raw) { out_.reserve(raw.size() + 16); }

    std::string run() {
        std::size_t i = 0;
        if (!raw_.empty() && raw_.front() == ',') {  // Avalon: `,"id":1}` for `{"id":1}`
            out_ += '{';
            stack_ += '{';
            i = 1;
        }
        for (; i < raw_.size(); ++i) {
            if (in_string_)
                string_char(raw_[i]);
            else
                i += structural(i);
        }
        close_truncated();
        return std::move(out_);
    }

private:
    char last_significant() const {
        for (auto k = out_.size(); k > 0; --k)
            if (!is_space(out_[k - 1])) return out_[k - 1];
        return '\0';
    }

    void string_char(char c) {
        if (escaped_) {
            escaped_ = false;
            out_ += c;
        } else if (c == '\\') {
            escaped_ = true;
            out_ += c;
        } else if (c == '"') {
            in_string_ = false;
            out_ += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out_ += ' ';  // raw newline or control character inside a string
        } else {
            out_ += c;
        }
    }

    // The character at i outside a string; returns how many more characters it consumed.
    std::size_t structural(std::size_t i) {
        const char c = raw_[i];
        switch (c) {
            case '"': {
                const char prev = last_significant();
                // `"a""b"` or `}"` / `]"` with no comma: a missing separator.
                if (prev == '"' || prev == '}' || prev == ']') out_ += ',';
                in_string_ = true;
                out_ += c;
                return 0;
            }
            case '{':
            case '[': {
                const char prev = last_significant();
                if (prev == '}' || prev == ']' || prev == '"') out_ += ',';  // `}{`
                stack_ += c;
                out_ += c;
                return 0;
            }
            case '}':
            case ']': {
                // Drop a comma right before a closer: `,}` `,]`.
                auto k = out_.size();
                while (k > 0 && is_space(out_[k - 1])) --k;
                if (k > 0 && out_[k - 1] == ',') out_.erase(k - 1);
                if (!stack_.empty()) stack_.pop_back();
                out_ += c;
                return 0;
            }
            case ',': {
                const char prev = last_significant();
                if (prev == '[' || prev == '{' || prev == ',') return 0;  // `[,{` `,,`
                good_len_ = out_.size();
                good_stack_ = stack_;
                out_ += c;
                return 0;
            }
            default:
                return other(i);
        }
    }

    // Bare inf / -inf / nan / Infinity / NaN: not JSON; the value is unknown.
    std::size_t other(std::size_t i) {
        const char c = raw_[i];
        auto word_at = [&](std::string_view w) {
            if (raw_.size() - i < w.size()) return false;
            for (std::size_t k = 0; k < w.size(); ++k)
                if (std::tolower(static_cast<unsigned char>(raw_[i + k])) != w[k]) return false;
            return true;
        };
        std::size_t skip = 0;
        if (c == '-' && word_at("-infinity"))
            skip = 9;
        else if (c == '-' && word_at("-inf"))
            skip = 4;
        else if (word_at("infinity"))
            skip = 8;
        else if (word_at("inf"))
            skip = 3;
        else if (word_at("nan"))
            skip = 3;
        if (skip > 0) {
            out_ += "null";
            return skip - 1;
        }
        if (static_cast<unsigned char>(c) >= 0x20 || is_space(c)) out_ += c;
        return 0;
    }

    void close_truncated() {
        if (!in_string_ && stack_.empty()) return;
        // Truncated: keep the complete elements, then close what is open.
        if (good_len_ != std::string::npos) {
            out_.erase(good_len_);
            stack_ = good_stack_;
        } else if (in_string_) {
            out_ += '"';
        }
        for (auto k = stack_.size(); k > 0; --k) out_ += stack_[k - 1] == '{' ? '}' : ']';
    }

    std::string_view raw_;
    std::string out_;
    std::string stack_;  // open brackets: '{' or '['
    bool in_string_ = false;
    bool escaped_ = false;
    // Last place where the text so far was a sequence of complete elements, for truncation.
    std::size_t good_len_ = std::string::npos;
    std::string good_stack_;
};

}  // namespace

std::string repair_cgminer_json(std::string_view raw) {
    // Cut at the first NUL and trim.
    if (auto nul = raw.find('\0'); nul != std::string_view::npos) raw = raw.substr(0, nul);
    while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
    return JsonRepair(raw).run();
}

Result<json> parse_cgminer_reply(std::string_view raw, std::string_view what) {
    try {
        if (auto nul = raw.find('\0'); nul != std::string_view::npos) raw = raw.substr(0, nul);
        auto is_blank = [&] {
            for (char c : raw)
                if (!is_space(c)) return false;
            return true;
        };
        if (is_blank()) {
            return Status::error(ErrorCode::protocol,
                                 std::string(what) + ": empty reply (peer closed without "
                                                     "answering)");
        }
        json j = json::parse(raw, nullptr, false);
        if (j.is_discarded()) j = json::parse(repair_cgminer_json(raw), nullptr, false);
        if (j.is_discarded()) {
            std::string excerpt;
            for (char c : raw.substr(0, 80)) {
                auto u = static_cast<unsigned char>(c);
                excerpt += (u < 0x20 || u == 0x7f) ? ' ' : c;
            }
            return Status::error(ErrorCode::protocol,
                                 std::string(what) + ": reply is not JSON: '" + excerpt +
                                     (raw.size() > 80 ? "...'" : "'"));
        }
        if (!j.is_object()) {
            return Status::error(ErrorCode::protocol, std::string(what) +
                                                          ": expected a JSON object, got " +
                                                          j.type_name());
        }
        return j;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, std::string(what) + ": " + e.what());
    }
}

const json& first_of(const json& reply, const char* section) {
    static const json kNull;
    if (!reply.is_object()) return kNull;
    auto it = reply.find(section);
    if (it == reply.end()) return kNull;
    if (it->is_array()) {
        if (it->empty() || !(*it)[0].is_object()) return kNull;
        return (*it)[0];
    }
    return it->is_object() ? *it : kNull;
}

}  // namespace hashsink::transport
