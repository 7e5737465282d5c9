// A small HTTP/1.1 client for device APIs (AxeOS and friends): errors as values, bounded time,
// bounded memory. Wraps httplib::Client; never throws.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace httplib {
class Client;
}

namespace hashsink::transport {

struct HttpResponse {
    int status = 0;
    std::string body;
};

struct HttpClientOptions {
    Duration timeout{2000};                    // connect, read and write, and the whole exchange
    std::size_t max_body_bytes = 1024 * 1024;  // larger bodies are refused (hostile peers)
    bool keep_alive = true;
    // HTTP Digest credentials (Antminer CGI). Empty user: no authentication. The password is
    // never part of an error message.
    std::string digest_user;
    std::string digest_password;
};

// One client per device. Calls are serialised by an internal mutex, so sharing an instance
// between threads is safe but gains nothing; the owner normally calls it from one thread.
//
// Errors (Status messages read "<METHOD> <path>: <cause>", the caller adds its prefix):
//   connect refused / dropped -> unreachable (retryable)
//   no answer in time          -> timeout (retryable)
//   HTTP >= 400                -> rejected, with status and a body excerpt (retryable for 5xx)
//   HTTP 1xx/3xx               -> rejected (we follow no redirects)
//   body over the cap          -> protocol
//   malformed base URL         -> invalid
class HttpClient {
public:
    // base_url: "http://host[:port]" (a trailing slash is ignored). https is not supported.
    explicit HttpClient(std::string base_url, HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    Result<HttpResponse> get(const std::string& path) noexcept;
    Result<HttpResponse> patch_json(const std::string& path, const std::string& json) noexcept;
    Result<HttpResponse> post_json(const std::string& path, const std::string& json = {}) noexcept;
    Result<HttpResponse> put_json(const std::string& path, const std::string& json = {}) noexcept;
    // A header sent with every later request (e.g. Authorization); an empty value removes it.
    void set_header(const std::string& name, const std::string& value);
    // POST with a body that is not JSON (e.g. application/x-www-form-urlencoded).
    Result<HttpResponse> post(const std::string& path, const std::string& body,
                              const std::string& content_type) noexcept;

    const std::string& base_url() const { return base_url_; }
    Duration timeout() const { return options_.timeout; }
    // HTTP status of the last answer received (0 when none arrived).
    int last_status() const;

    // Ok when base_url is usable; the reason otherwise.
    static Status check_base_url(const std::string& base_url);

private:
    Result<HttpResponse> send(const char* method, const std::string& path,
                              const std::string* body,
                              const char* content_type = "application/json") noexcept;

    std::string base_url_;
    HttpClientOptions options_;
    Status url_status_;
    std::string host_;
    int port_ = 80;
    mutable std::mutex mutex_;
    std::unique_ptr<httplib::Client> client_;
    int last_status_ = 0;
    std::vector<std::pair<std::string, std::string>> headers_;
};

// The first max_chars of a body with control characters replaced, for error messages.
std::string body_excerpt(std::string_view body, std::size_t max_chars = 120);

}  // namespace hashsink::transport
