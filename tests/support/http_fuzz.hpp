// Seeded malformed HTTP for the web server's fuzz tests, in-process and through the binary:
// broken request lines, unknown methods, absurd or negative Content-Length, broken chunked
// bodies, binary garbage, header injection, heads cut short, pipelines, absurd URIs and queries,
// bad JSON to the /api routes with and without a session; and the checks on what comes back.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hashsink::test {

class MalformedHttp {
public:
    // cookie, csrf: an admin's session, so some requests reach the routes behind the login.
    MalformedHttp(std::uint64_t seed, std::string cookie, std::string csrf);
    ~MalformedHttp();
    // One connection's bytes, and how many requests they hold.
    std::pair<std::string, int> connection();

private:
    struct Gen;
    std::unique_ptr<Gen> gen_;
};

// The response bytes one connection got, checked as a sequence of HTTP/1.x responses. Empty
// when well formed; otherwise what is wrong. Statuses seen go to `statuses`; `extra` is set when
// there were more final answers than `requests` (a body httplib read leniently left bytes that
// were answered as a request of their own).
std::string check_responses(const std::string& got, int requests, std::vector<int>& statuses,
                            bool* extra = nullptr);

// Sends `data`, closes the sending side, and reads until the server closes (bounded).
std::string exchange_all(int port, const std::string& data, std::chrono::milliseconds limit);

// At most 2000 bytes of s with control bytes escaped, for a failure message.
std::string printable(const std::string& s);

// HASHSINK_FUZZ_SEED when set (to replay a run), otherwise a random seed.
std::uint64_t fuzz_seed();

}  // namespace hashsink::test
