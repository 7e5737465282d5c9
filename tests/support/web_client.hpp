// The daemon's web API from a test on loopback: a GET read as JSON, and a browser-like session
// that keeps the session cookie and the CSRF token.
#pragma once

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hashsink::test {

// GET 127.0.0.1:port<path> as JSON; nullopt when it does not answer, answers other than 200,
// or the body is not JSON.
std::optional<nlohmann::json> get_json(int port, const std::string& path,
                                       std::chrono::seconds read_timeout);

// The last setup code the daemon printed in `log` (its stderr); empty when none.
std::string setup_code_in(const std::string& log);

class Browser {
public:
    explicit Browser(int port, std::chrono::seconds read_timeout = std::chrono::seconds(20));
    // Over https to `origin` ("https://host:port"), trusting only the certificate in ca_file, and
    // sending Origin with every request as a browser does with its writes.
    Browser(const std::string& origin, const std::string& ca_file,
            std::chrono::seconds read_timeout);

    httplib::Headers headers(bool with_csrf = true) const;
    httplib::Result get(const std::string& path);
    // Keeps the session cookie a reply sets, and the CSRF token a 200 JSON reply carries.
    httplib::Result post(const std::string& path, const nlohmann::json& body,
                         bool with_csrf = true, const char* type = "application/json");

    httplib::Client http;
    std::string cookie, csrf;
    std::string origin;  // sent as Origin when set
};

}  // namespace hashsink::test
