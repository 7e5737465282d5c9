#include "adapters/miners/scan.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace hashsink::miners {
namespace {

struct Range {
    std::uint32_t first = 0, count = 0;
};

std::optional<Range> parse_cidr(const std::string& text, std::string& why) {
    auto slash = text.find('/');
    std::string addr = text.substr(0, slash);
    int prefix = 32;
    if (slash != std::string::npos) {
        std::string p = text.substr(slash + 1);
        if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos) {
            why = "bad prefix length '" + p + "'";
            return std::nullopt;
        }
        prefix = std::stoi(p);
        if (prefix > 32) {
            why = "prefix length over 32";
            return std::nullopt;
        }
    }
    in_addr a{};
    if (::inet_pton(AF_INET, addr.c_str(), &a) != 1) {
        why = "'" + addr + "' is not an IPv4 address";
        return std::nullopt;
    }
    if (prefix < 16) {
        why = "ranges larger than /16 are refused";
        return std::nullopt;
    }
    const std::uint32_t ip = ntohl(a.s_addr);
    const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
    Range r;
    r.first = ip & mask;
    r.count = static_cast<std::uint32_t>(std::uint64_t{1} << (32 - prefix));
    if (prefix <= 30) {   // skip the network and broadcast addresses
        r.first += 1;
        r.count -= 2;
    }
    return r;
}

std::string to_ip(std::uint32_t ip) {
    in_addr a{};
    a.s_addr = htonl(ip);
    char buf[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

}  // namespace

Result<std::vector<ScanHit>> scan_range(const ScanOptions& o) {
    std::string why;
    auto range = parse_cidr(o.cidr, why);
    if (!range) return Status::error(ErrorCode::invalid, o.cidr + ": " + why, false);
    if (o.timeout < Duration{50} || o.timeout > Duration{30'000})
        return Status::error(ErrorCode::invalid, "timeout: expected 50ms to 30s", false);
    if (o.concurrency < 1 || o.concurrency > 256)
        return Status::error(ErrorCode::invalid, "concurrency: expected 1..256", false);
    if (o.http_port < 1 || o.http_port > 65535 || o.api_port < 1 || o.api_port > 65535)
        return Status::error(ErrorCode::invalid, "ports: expected 1..65535", false);

    std::vector<std::pair<std::uint32_t, ScanHit>> found;
    std::mutex found_mutex;
    std::atomic<std::uint32_t> next{0};
    const auto workers = std::min<std::uint32_t>(static_cast<std::uint32_t>(o.concurrency), range->count);
    std::vector<std::thread> pool;
    for (std::uint32_t w = 0; w < workers; ++w) {
        pool.emplace_back([&] {
            for (std::uint32_t i = next++; i < range->count; i = next++) {
                DetectTarget t;
                t.host = to_ip(range->first + i);
                t.http_port = o.http_port;
                t.api_port = o.api_port;
                t.timeout = o.timeout;
                auto d = detect_miner(t);
                if (d.family.empty() && !d.http_answered && !d.api_answered) continue;
                std::lock_guard lock(found_mutex);
                found.push_back({range->first + i, ScanHit{t, std::move(d)}});
            }
        });
    }
    for (auto& t : pool) t.join();
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ScanHit> hits;
    hits.reserve(found.size());
    for (auto& f : found) hits.push_back(std::move(f.second));
    return hits;
}

}  // namespace hashsink::miners
