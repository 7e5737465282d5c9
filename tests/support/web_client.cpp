#include "tests/support/web_client.hpp"

namespace hashsink::test {

std::optional<nlohmann::json> get_json(int port, const std::string& path,
                                       std::chrono::seconds read_timeout) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(1, 0);
    c.set_read_timeout(read_timeout.count(), 0);
    auto res = c.Get(path.c_str());
    if (!res || res->status != 200) return std::nullopt;
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

std::string setup_code_in(const std::string& log) {
    const std::string mark = "setup code: ";
    auto at = log.rfind(mark);
    if (at == std::string::npos) return {};
    at += mark.size();
    return log.substr(at, log.find_first_of(" \n", at) - at);
}

Browser::Browser(int port, std::chrono::seconds read_timeout) : http("127.0.0.1", port) {
    http.set_connection_timeout(2, 0);
    http.set_read_timeout(read_timeout.count(), 0);
}

Browser::Browser(const std::string& origin_url, const std::string& ca_file,
                 std::chrono::seconds read_timeout)
    : http(origin_url), origin(origin_url) {
    http.set_connection_timeout(2, 0);
    http.set_read_timeout(read_timeout.count(), 0);
    http.set_ca_cert_path(ca_file.c_str());
    http.enable_server_certificate_verification(true);
}

httplib::Headers Browser::headers(bool with_csrf) const {
    httplib::Headers h;
    if (!origin.empty()) h.emplace("Origin", origin);
    if (!cookie.empty()) h.emplace("Cookie", cookie);
    if (with_csrf && !csrf.empty()) h.emplace("X-CSRF-Token", csrf);
    return h;
}

httplib::Result Browser::get(const std::string& path) {
    return http.Get(path.c_str(), headers());
}

httplib::Result Browser::post(const std::string& path, const nlohmann::json& body,
                              bool with_csrf, const char* type) {
    auto r = http.Post(path.c_str(), headers(with_csrf), body.dump(), type);
    if (r && r->has_header("Set-Cookie")) {
        std::string c = r->get_header_value("Set-Cookie");
        cookie = c.substr(0, c.find(';'));
    }
    if (r && r->status == 200) {
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        if (j.is_object() && j.contains("csrf")) csrf = j["csrf"];
    }
    return r;
}

}  // namespace hashsink::test
