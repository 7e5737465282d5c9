#include "adapters/transport/http_client.hpp"

#include <httplib.h>

#include <chrono>
#include <exception>

namespace hashsink::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct ParsedUrl {
    std::string host;
    int port = 80;
};

Result<ParsedUrl> parse_base_url(const std::string& url) {
    constexpr std::string_view kScheme = "http://";
    if (url.rfind(kScheme, 0) != 0) {
        return Status::error(ErrorCode::invalid,
                             "base URL '" + url + "': expected http://host[:port]", false);
    }
    std::string rest = url.substr(kScheme.size());
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.find('/') != std::string::npos) {
        return Status::error(ErrorCode::invalid,
                             "base URL '" + url + "': a path is not supported", false);
    }
    ParsedUrl out;
    auto colon = rest.rfind(':');
    out.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
        std::string port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(port) < 1 || std::stoi(port) > 65535) {
            return Status::error(ErrorCode::invalid,
                                 "base URL '" + url + "': bad port '" + port + "'", false);
        }
        out.port = std::stoi(port);
    }
    if (out.host.empty() ||
        out.host.find_first_of(" \t\r\n@[]") != std::string::npos) {
        return Status::error(ErrorCode::invalid, "base URL '" + url + "': bad host", false);
    }
    return out;
}

void set_timeouts(httplib::Client& c, Duration d) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    auto sec = static_cast<time_t>(us / 1'000'000);
    auto usec = static_cast<time_t>(us % 1'000'000);
    c.set_connection_timeout(sec, usec);
    c.set_read_timeout(sec, usec);
    c.set_write_timeout(sec, usec);
}

// Why client.send failed: the body over its cap, no answer in time, no connection, or the
// connection failing on the way.
Status send_failure(const std::string& op, const std::string& where, httplib::Error err,
                    bool too_big, bool late, SteadyClock::duration elapsed,
                    const HttpClientOptions& options) {
    if (too_big) {
        return Status::error(
            ErrorCode::protocol,
            op + ": response body larger than " + std::to_string(options.max_body_bytes) + " bytes",
            false);
    }
    const bool timed_out = late || err == httplib::Error::ConnectionTimeout ||
                           ((err == httplib::Error::Read || err == httplib::Error::Write) &&
                            elapsed >= options.timeout * 9 / 10);
    if (timed_out) {
        return Status::error(ErrorCode::timeout, op + ": no answer from " + where + " within " +
                                                     format_duration(options.timeout));
    }
    if (err == httplib::Error::Connection) {
        return Status::error(ErrorCode::unreachable, op + ": cannot connect to " + where);
    }
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    return Status::error(ErrorCode::unreachable, op + ": connection to " + where +
                                                     " failed after " + std::to_string(elapsed_ms) +
                                                     " ms (" + httplib::to_string(err) + ")");
}

// An answer: 2xx is the response; 4xx is refused, 5xx refused but worth retrying, with an
// excerpt of the body; anything else is unexpected.
Result<HttpResponse> answer(const std::string& op, int status, std::string body) {
    if (status >= 400) {
        const bool server_side = status >= 500;
        return Status::error(
            ErrorCode::rejected,
            op + ": HTTP " + std::to_string(status) + " '" + body_excerpt(body) + "'", server_side);
    }
    if (status < 200 || status >= 300) {
        return Status::error(ErrorCode::rejected,
                             op + ": unexpected HTTP " + std::to_string(status), false);
    }
    return HttpResponse{status, std::move(body)};
}

}  // namespace

std::string body_excerpt(std::string_view body, std::size_t max_chars) {
    std::string out;
    for (char c : body.substr(0, max_chars)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (body.size() > max_chars) out += "...";
    return out;
}

Status HttpClient::check_base_url(const std::string& base_url) {
    auto parsed = parse_base_url(base_url);
    return parsed ? Status::success() : parsed.error();
}

HttpClient::HttpClient(std::string base_url, HttpClientOptions options)
    : base_url_(std::move(base_url)), options_(options) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    if (options_.timeout <= Duration{0}) options_.timeout = Duration{1};
    auto parsed = parse_base_url(base_url_);
    if (!parsed) {
        url_status_ = parsed.error();
        return;
    }
    host_ = parsed->host;
    port_ = parsed->port;
    try {
        client_ = std::make_unique<httplib::Client>(host_, port_);
        client_->set_keep_alive(options_.keep_alive);
        set_timeouts(*client_, options_.timeout);
        // No Origin header: AxeOS refuses requests whose Origin is not a local one.
        client_->set_default_headers({{"User-Agent", "hashsink"}});
        if (!options_.digest_user.empty()) {
            // httplib answers a 401 Digest challenge by itself (built with OpenSSL).
            client_->set_digest_auth(options_.digest_user.c_str(),
                                     options_.digest_password.c_str());
        }
    } catch (const std::exception& e) {
        url_status_ = Status::error(ErrorCode::invalid, std::string("http client: ") + e.what(),
                                    false);
        client_.reset();
    }
}

HttpClient::~HttpClient() = default;

int HttpClient::last_status() const {
    std::lock_guard lock(mutex_);
    return last_status_;
}

Result<HttpResponse> HttpClient::get(const std::string& path) noexcept {
    return send("GET", path, nullptr);
}

Result<HttpResponse> HttpClient::patch_json(const std::string& path,
                                            const std::string& json) noexcept {
    return send("PATCH", path, &json);
}

Result<HttpResponse> HttpClient::post_json(const std::string& path,
                                           const std::string& json) noexcept {
    return send("POST", path, &json);
}

Result<HttpResponse> HttpClient::put_json(const std::string& path,
                                          const std::string& json) noexcept {
    return send("PUT", path, &json);
}

void HttpClient::set_header(const std::string& name, const std::string& value) {
    std::lock_guard lock(mutex_);
    std::erase_if(headers_, [&](const auto& h) { return h.first == name; });
    if (!value.empty()) headers_.emplace_back(name, value);
}

Result<HttpResponse> HttpClient::post(const std::string& path, const std::string& body,
                                      const std::string& content_type) noexcept {
    return send("POST", path, &body, content_type.c_str());
}

Result<HttpResponse> HttpClient::send(const char* method, const std::string& path,
                                      const std::string* body,
                                      const char* content_type) noexcept {
    const std::string op = std::string(method) + " " + path;
    std::lock_guard lock(mutex_);
    last_status_ = 0;
    if (!url_status_.ok() || !client_) {
        return Status::error(ErrorCode::invalid, op + ": " + url_status_.message, false);
    }
    try {
        const auto started = SteadyClock::now();
        const auto deadline = started + options_.timeout;
        bool too_big = false;
        bool late = false;
        std::string received;

        httplib::Request req;
        req.method = method;
        req.path = path;
        for (const auto& [name, value] : headers_) req.set_header(name, value);
        if (body != nullptr) {
            req.body = *body;
            req.set_header("Content-Type", content_type);
        }
        // Our own receiver bounds the body (httplib's client has no cap) and the total time
        // (its timeouts are per read, so a slow drip could otherwise go on forever).
        // A Digest challenge (401) and the authenticated retry share this request: each new
        // response starts a new body.
        req.response_handler = [&](const httplib::Response&) {
            received.clear();
            return true;
        };
        req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
            if (received.size() + n > options_.max_body_bytes) {
                too_big = true;
                return false;
            }
            if (SteadyClock::now() > deadline) {
                late = true;
                return false;
            }
            received.append(data, n);
            return true;
        };

        httplib::Response res;
        httplib::Error err = httplib::Error::Success;
        bool ok = client_->send(req, res, err);
        if (!ok) {
            return send_failure(op, host_ + ":" + std::to_string(port_), err, too_big, late,
                                SteadyClock::now() - started, options_);
        }
        last_status_ = res.status;
        return answer(op, res.status, std::move(received));
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::unreachable, op + ": " + e.what());
    } catch (...) {
        return Status::error(ErrorCode::unreachable, op + ": unknown failure");
    }
}

}  // namespace hashsink::transport
