// The web API's requests: a query string, headers (one "Name: value" a line) and a body, read
// as the routes read them (write checks, the JSON body's fields, numeric parameters).
#include "fuzz/fuzz_input.hpp"
#include "web/http_helpers.hpp"

using namespace hashsink;

namespace {

httplib::Request request(const std::vector<std::string>& in) {
    httplib::Request req;
    req.method = "POST";
    httplib::detail::parse_query_text(in[0], req.params);
    std::string_view headers = in[1];
    while (!headers.empty()) {
        const auto nl = headers.find('\n');
        const auto line = headers.substr(0, nl);
        if (const auto colon = line.find(": "); colon != std::string_view::npos)
            req.headers.emplace(std::string(line.substr(0, colon)),
                                std::string(line.substr(colon + 2)));
        headers.remove_prefix(nl == std::string_view::npos ? headers.size() : nl + 1);
    }
    req.body = in[2];
    return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto req = request(fuzz::parts(fuzz::text(data, size), 3));
    httplib::Response res;
    (void)web::write_problem(req);
    (void)web::cookie_value(req, web::kSessionCookie);
    for (const char* name : {"limit", "after", "from", "to", "bucket", "id"})
        (void)web::int_param(req, name);
    auto body = web::parse_body(req, res);
    if (!body) return 0;
    for (const char* name : {"setup_code", "user", "password", "current", "id", "mode"})
        (void)web::string_field(*body, name, 64);
    return 0;
}
