// Seeded malformed HTTP for the web server's fuzz tests: see http_fuzz.hpp.
#include "tests/support/http_fuzz.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

#include "tests/support/hostile_clients.hpp"

namespace hashsink::test {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

// Scans and device tests are left out: a mutated body could name a host off this machine.
const std::vector<std::string> kGetPaths = {"/",
                                            "/api/status",
                                            "/healthz",
                                            "/api/session",
                                            "/api/events?after=0&limit=5",
                                            "/api/history?range=hour",
                                            "/metrics",
                                            "/api/config",
                                            "/api/config/versions",
                                            "/api/config/versions/none",
                                            "/api/catalog",
                                            "/api/history.csv?range=hour",
                                            "/app.js"};
const std::vector<std::string> kPostPaths = {
    "/api/login",    "/api/logout",   "/api/setup",          "/api/config/validate",
    "/api/override", "/api/password", "/api/config/restore", "/api/config"};
const std::vector<std::string> kJsonBodies = {R"({"password":"wrong"})",
                                              R"({"mode":"off","duration":"1h"})",
                                              R"({"mode":"max"})",
                                              R"({"config":"[site]\nmax_draw_w = 1\n"})",
                                              R"({"version":"none"})",
                                              R"([1,2,3])",
                                              R"({"password":{"a":[1e999]}})",
                                              R"({"mode":"off","duration":"-5s"})",
                                              "null",
                                              "{}"};

// Refusals of a request the server could not read whole: the connection must end with them.
bool is_refusal(int status) {
    return status == 400 || status == 411 || status == 413 || status == 414 || status == 431;
}

}  // namespace

struct MalformedHttp::Gen {
    std::mt19937_64 rng;
    std::string cookie, csrf;  // the admin's session

    std::size_t below(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    }
    bool chance(int percent) { return static_cast<int>(below(100)) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }
    std::string bytes(std::size_t n) {
        std::string s(n, '\0');
        for (auto& c : s) c = static_cast<char>(below(256));
        return s;
    }

    std::string uri() {
        switch (below(8)) {
            case 0:
                return "/" + std::string(below(9000), 'a');
            case 1: {
                std::string q = "/api/events?";
                for (std::size_t i = 0, n = below(400); i < n; ++i)
                    q += "a" + std::to_string(i) + "=&";
                return q;
            }
            case 2:
                return pick(std::vector<std::string>{"/%zz", "/%00", "/%", "/../../etc/passwd",
                                                     "//", "*", "http://x/api/status", "/#f",
                                                     "/api/status?%ff%fe=\xff"});
            case 3:
                return "/api/history?range=" + bytes(below(40)) +
                       "&name=" + std::string(below(3000), 'x');
            case 4:
                return "/api/events?after=-99999999999999999999&limit=1e9";
            case 5:
                return "/api/config/versions/" + std::string(below(500), '.');
            default:
                return pick(kGetPaths);
        }
    }
    std::string json_body() {
        std::string b = pick(kJsonBodies);
        switch (below(6)) {
            case 0:
                return b.substr(0, below(b.size() + 1));  // cut short
            case 1:
                return std::string(below(5000) + 1, '[');  // deep nesting
            case 2:
                return R"({"password":")" + bytes(below(64)) + "\"}";  // bad UTF-8
            case 3:
                return bytes(below(300));
            default:
                return b;
        }
    }
    std::string session_headers() {
        if (!chance(50)) return "";
        return "Cookie: " + cookie + "\r\n" + (chance(80) ? "X-CSRF-Token: " + csrf + "\r\n" : "");
    }
    // A request that is well formed apart from what the caller breaks.
    std::string request() {
        const bool post = chance(50);
        std::string body = post ? json_body() : "";
        std::string head = (post ? "POST " + pick(kPostPaths) : "GET " + uri()) +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + session_headers();
        if (post)
            head +=
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n";
        return head + "\r\n" + body;
    }
    std::string request_line() {
        const std::vector<std::string> methods = {"GET",   "POST", "PUT",    "DELETE",  "OPTIONS",
                                                  "PATCH", "get",  "G\x00T", "CONNECT", ""};
        std::string m = chance(70) ? pick(methods) : bytes(below(20));
        if (chance(10)) m = std::string(below(5000), 'X');
        const std::vector<std::string> versions = {
            "HTTP/1.1", "HTTP/1.0", "HTTP/9.9", "HTTP/1", "", "http/1.1", "HTTP/1.1 extra"};
        return m + (chance(90) ? " " : "  ") + uri() + " " + pick(versions) + "\r\n";
    }
    std::string bad_length() {
        const std::vector<std::string> lengths = {
            "-1",   "99999999999999999999", "1e3", "abc", "", " 5", "5, 6",
            "0x10", "18446744073709551616"};
        std::string r = "POST " + pick(kPostPaths) + " HTTP/1.1\r\nHost: x\r\n" +
                        session_headers() + "Content-Length: " + pick(lengths) + "\r\n";
        if (chance(30)) r += "Content-Length: 3\r\n";
        if (chance(30)) r += "Transfer-Encoding: chunked\r\n";
        return r + "\r\n" + json_body();
    }
    std::string bad_chunked() {
        const std::vector<std::string> chunks = {
            "zz\r\nabc\r\n0\r\n\r\n",
            "-5\r\nabc\r\n0\r\n\r\n",
            "ffffffffffffffff\r\nabc\r\n",
            "3\r\nabcdef\r\n0\r\n\r\n",
            "3abc0\r\n\r\n",
            "3;ext=\xff\r\nabc\r\n0\r\n\r\n",
            "5\r\n{\"a\":\r\n",
            "0\r\nTrailer: " + std::string(100000, 't') + "\r\n\r\n"};
        return "POST " + pick(kPostPaths) + " HTTP/1.1\r\nHost: x\r\n" + session_headers() +
               "Transfer-Encoding: " + (chance(80) ? "chunked" : "gzip, chunked") + "\r\n\r\n" +
               pick(chunks);
    }
    std::string injected() {
        const std::vector<std::string> lines = {
            "X-A: 1\r\nX-Injected: 2\r\n",
            "X-A: a\nb\r\n",
            "X-A: a\rb\r\n",
            "NoColon\r\n",
            "X-A : spaced\r\n",
            " folded: line\r\n",
            std::string("X-Nul: a\0b\r\n", 11),
            "Host: a\r\nHost: b\r\n",
            "Content-Type: " + bytes(30) + "\r\n",
            "Expect: 100-continue\r\n",
            "Connection: keep-alive, close, upgrade\r\n",
            "Cookie: hs_session=" + std::string(4000, 'c') + "\r\n"};
        std::string r = request();
        const std::size_t at = r.find("\r\n") + 2;
        return r.insert(at, pick(lines));
    }
    std::string flipped() {
        std::string r = request();
        for (std::size_t i = 0, n = below(8) + 1; i < n; ++i)
            r[below(r.size())] = static_cast<char>(below(256));
        return r;
    }
    // One connection's bytes, and how many requests they hold.
    std::pair<std::string, int> connection() {
        switch (below(10)) {
            case 0:
                return {request_line() + "Host: x\r\n\r\n", 1};
            case 1:
                return {bad_length(), 1};
            case 2:
                return {bad_chunked(), 1};
            case 3:
                return {bytes(below(4096) + 1), 1};
            case 4:
                return {injected(), 2};
            case 5: {
                std::string r = request();
                return {r.substr(0, below(r.size())), 1};
            }
            case 6: {
                std::string all;
                const int n = static_cast<int>(below(5)) + 2;
                for (int i = 0; i < n; ++i) all += chance(75) ? request() : flipped();
                return {all, n};
            }
            case 7:
                return {flipped(), 1};
            default:
                return {request(), 1};
        }
    }
};

MalformedHttp::MalformedHttp(std::uint64_t seed, std::string cookie, std::string csrf)
    : gen_(std::make_unique<Gen>(Gen{std::mt19937_64(seed), std::move(cookie), std::move(csrf)})) {}
MalformedHttp::~MalformedHttp() = default;
std::pair<std::string, int> MalformedHttp::connection() { return gen_->connection(); }

std::string check_responses(const std::string& got, int requests, std::vector<int>& statuses,
                            bool* extra) {
    std::size_t at = 0;
    int finals = 0;
    while (at < got.size()) {
        if (!statuses.empty() && is_refusal(statuses.back())) return "an answer after a refusal";
        if (got.compare(at, 7, "HTTP/1.") != 0 || got.size() < at + 13)
            return "no status line at byte " + std::to_string(at);
        const int status = std::atoi(got.c_str() + at + 9);
        const std::size_t head_end = got.find("\r\n\r\n", at);
        if (head_end == std::string::npos) return "head without its end";
        const std::string head = got.substr(at, head_end - at);
        at = head_end + 4;
        statuses.push_back(status);
        if (status >= 100 && status < 200) continue;  // interim (100 Continue)
        ++finals;
        const std::size_t cl = head.find("\r\nContent-Length: ");
        if (cl != std::string::npos) {
            const std::size_t len = std::strtoull(head.c_str() + cl + 18, nullptr, 10);
            if (got.size() < at + len) return "body shorter than its Content-Length";
            at += len;
        } else if (head.find("Transfer-Encoding: chunked") != std::string::npos) {
            while (true) {
                const std::size_t line_end = got.find("\r\n", at);
                if (line_end == std::string::npos) return "chunk size line cut";
                const std::size_t n = std::strtoull(got.c_str() + at, nullptr, 16);
                at = line_end + 2 + n + 2;
                if (at > got.size()) return "chunk cut";
                if (n == 0) break;
            }
        } else if (status != 204 && status != 304) {
            at = got.size();  // delimited by the close
        }
    }
    if (extra) *extra = finals > requests;
    return "";
}

std::string exchange_all(int port, const std::string& data, std::chrono::milliseconds limit) {
    const int fd = connect_loopback(port, 1000ms);
    REQUIRE(fd >= 0);
    const auto until = Steady::now() + limit;
    std::size_t off = 0;
    std::string got;
    char buf[8192];
    bool sent = false;
    while (Steady::now() < until) {
        pollfd p{fd, static_cast<short>(POLLIN | (sent ? 0 : POLLOUT)), 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        if (p.revents & POLLIN) {
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
        } else if (p.revents & POLLOUT) {
            const auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n < 0)
                sent = true;  // the server closed on us: read what it said
            else
                off += static_cast<std::size_t>(n);
            if (off == data.size() && !sent) {
                sent = true;
                ::shutdown(fd, SHUT_WR);
            }
        } else if (p.revents & (POLLHUP | POLLERR)) {
            break;
        }
    }
    ::close(fd);
    return got;
}

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s.substr(0, 2000)) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c < 32 || c > 126)
            out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::uint64_t fuzz_seed() {
    if (const char* s = std::getenv("HASHSINK_FUZZ_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

}  // namespace hashsink::test
