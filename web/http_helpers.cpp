#include "web/http_helpers.hpp"

#include <openssl/crypto.h>

#include "web/api/status_json.hpp"

namespace hashsink::web {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(json_text(body), "application/json");
}

void json_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}});
}

void field_errors(httplib::Response& res, const json& errors) {
    send_json(res, 422, json{{"error", "the config has problems"}, {"errors", errors}});
}

void shape_error(httplib::Response& res, const std::string& message) {
    const std::size_t colon = message.find(": ");
    json e = colon == std::string::npos || message.find(' ') < colon
                 ? json{{"path", ""}, {"message", message}}
                 : json{{"path", message.substr(0, colon)}, {"message", message.substr(colon + 2)}};
    field_errors(res, json::array({e}));
}

std::string cookie_value(const httplib::Request& req, const std::string& name) {
    const std::string header = req.get_header_value("Cookie");
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t end = header.find(';', pos);
        if (end == std::string::npos) end = header.size();
        std::string part = header.substr(pos, end - pos);
        while (!part.empty() && part.front() == ' ') part.erase(0, 1);
        if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
            part[name.size()] == '=')
            return part.substr(name.size() + 1);
        pos = end + 1;
    }
    return {};
}

void set_session_cookie(httplib::Response& res, const std::string& token) {
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                     "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
}
void clear_session_cookie(httplib::Response& res) {
    res.set_header("Set-Cookie",
                   std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

bool same_text(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<HttpProblem> write_problem(const httplib::Request& req) {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0)
        return HttpProblem{415, "expected Content-Type: application/json"};
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != "null") {
        auto scheme = origin.find("://");
        std::string host = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
        if (host != req.get_header_value("Host"))
            return HttpProblem{403, "cross-origin request refused"};
    }
    return std::nullopt;
}

std::optional<json> parse_body(const httplib::Request& req, httplib::Response& res) {
    try {
        auto j = json::parse(req.body);
        if (!j.is_object()) {
            json_error(res, 400, "body: expected a JSON object");
            return std::nullopt;
        }
        return j;
    } catch (const std::exception&) {
        json_error(res, 400, "body: not valid JSON");
        return std::nullopt;
    }
}

std::optional<std::string> string_field(const json& j, const char* name, std::size_t max) {
    if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
    auto s = j[name].get<std::string>();
    if (s.size() > max) return std::nullopt;
    return s;
}

std::optional<std::int64_t> int_param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    const std::string v = req.get_param_value(name);
    if (v.empty() || v.size() > 18) return std::nullopt;
    std::int64_t out = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        out = out * 10 + (c - '0');
    }
    return out;
}

}  // namespace hashsink::web
