// What the web server's route files share: JSON answers and errors, the session cookie, the
// checks a write must pass, and reading a request's body and parameters.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hashsink::web {

inline constexpr const char* kSessionCookie = "hs_session";

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void json_error(httplib::Response& res, int status, const std::string& message);
// 422 with the errors at their key paths, for the form to show at each field.
void field_errors(httplib::Response& res, const nlohmann::json& errors);
// json_to_toml's shape error ("<key path>: <message>") as one error at its field.
void shape_error(httplib::Response& res, const std::string& message);

std::string cookie_value(const httplib::Request& req, const std::string& name);
void set_session_cookie(httplib::Response& res, const std::string& token);
void clear_session_cookie(httplib::Response& res);

// Equal text, compared in constant time (tokens, passwords).
bool same_text(const std::string& a, const std::string& b);

// Writes must be JSON from this page: a JSON content type (cross-site forms cannot send one
// without a preflight), and an Origin, when sent, naming this host.
struct HttpProblem {
    int status;
    std::string message;
};
std::optional<HttpProblem> write_problem(const httplib::Request& req);

// The body as a JSON object; otherwise answers 400 and returns nullopt.
std::optional<nlohmann::json> parse_body(const httplib::Request& req, httplib::Response& res);
// A string field of at most `max` characters; nullopt when absent, not a string or longer.
std::optional<std::string> string_field(const nlohmann::json& j, const char* name,
                                        std::size_t max = 512);
// A query parameter of decimal digits only (at most 18); nullopt otherwise.
std::optional<std::int64_t> int_param(const httplib::Request& req, const char* name);

}  // namespace hashsink::web
