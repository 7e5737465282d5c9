// hashsink scan CIDR: find miners on an IPv4 range with bounded concurrency and timeouts.
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/miners/detect.hpp"
#include "daemon/app/cli.hpp"
#include "daemon/app/commands.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"json", "", "print a JSON array instead of text"},
    {"timeout", "DURATION", "deadline of each probe (default 1s)"},
    {"concurrency", "N", "hosts probed at once, 1..256 (default 32)"},
    {"http-port", "PORT", "web port to probe (default 80)"},
    {"api-port", "PORT", "cgminer-style API port to probe (default 4028)"},
};

constexpr std::uint32_t kMaxHosts = 65536;   // a /16

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

std::optional<int> port_arg(const Args& args, const char* name, int fallback, bool& bad) {
    if (!args.has(name)) return fallback;
    auto p = args.get_int(name);
    if (!p || *p < 1 || *p > 65535) {
        bad = true;
        return std::nullopt;
    }
    return static_cast<int>(*p);
}

}  // namespace

int cmd_scan(const CommandArgs& argv) {
    const std::string synopsis =
        "scan CIDR [--json] [--timeout 1s] [--concurrency 32] [--http-port 80] [--api-port 4028]";
    const std::string summary =
        "Probes every address of an IPv4 range (at most a /16) for miners: the web page and the\n"
        "4028 API at once, like `probe miner`. Prints what each miner is and a config snippet.";
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, synopsis, summary, kSpecs)) return *code;
    if (args.positional().size() != 1) {
        std::cerr << "hashsink scan: expected one CIDR range, e.g. 192.168.1.0/24\n"
                  << usage(synopsis, summary, kSpecs);
        return kExitUsage;
    }
    std::string why;
    auto range = parse_cidr(args.positional()[0], why);
    if (!range) {
        std::cerr << "hashsink scan: " << args.positional()[0] << ": " << why << "\n";
        return kExitUsage;
    }
    auto timeout = parse_duration(args.get("timeout", "1s"));
    if (!timeout || *timeout < Duration{50} || *timeout > Duration{30000}) {
        std::cerr << "hashsink scan: --timeout: expected a duration from 50ms to 30s\n";
        return kExitUsage;
    }
    long concurrency = 32;
    if (args.has("concurrency")) {
        auto c = args.get_int("concurrency");
        if (!c || *c < 1 || *c > 256) {
            std::cerr << "hashsink scan: --concurrency: expected 1..256\n";
            return kExitUsage;
        }
        concurrency = *c;
    }
    bool bad = false;
    auto http_port = port_arg(args, "http-port", 80, bad);
    auto api_port = port_arg(args, "api-port", 4028, bad);
    if (bad) {
        std::cerr << "hashsink scan: ports: expected 1..65535\n";
        return kExitUsage;
    }

    struct Found {
        std::uint32_t ip;
        miners::DetectTarget target;
        miners::Detection detection;
    };
    std::vector<Found> found;
    std::mutex found_mutex;
    std::atomic<std::uint32_t> next{0};
    const auto workers = static_cast<std::uint32_t>(
        std::min<long>(concurrency, static_cast<long>(range->count)));
    std::vector<std::thread> pool;
    for (std::uint32_t w = 0; w < workers; ++w) {
        pool.emplace_back([&] {
            for (std::uint32_t i = next++; i < range->count; i = next++) {
                miners::DetectTarget t;
                t.host = to_ip(range->first + i);
                t.http_port = *http_port;
                t.api_port = *api_port;
                t.timeout = *timeout;
                auto d = miners::detect_miner(t);
                if (d.family.empty() && !d.http_answered && !d.api_answered) continue;
                std::lock_guard lock(found_mutex);
                found.push_back({range->first + i, t, std::move(d)});
            }
        });
    }
    for (auto& t : pool) t.join();
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.ip < b.ip; });

    if (args.has("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& f : found) {
            out.push_back({{"host", f.target.host},
                           {"driver", f.detection.driver.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(f.detection.driver)},
                           {"family", f.detection.family},
                           {"description", f.detection.description},
                           {"note", f.detection.why},
                           {"config", miners::config_snippet(f.detection, f.target)}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::size_t miners_found = 0;
    for (const auto& f : found) {
        const auto& d = f.detection;
        if (d.driver.empty()) {
            std::cout << "# " << f.target.host << ": "
                      << (d.family.empty() ? "answers, not a known miner" : d.why) << "\n";
            continue;
        }
        ++miners_found;
        std::cout << "# " << f.target.host << ": " << d.family << ", " << d.description << "\n"
                  << miners::config_snippet(d, f.target) << "\n";
    }
    std::cerr << "hashsink scan: " << range->count << " address(es), " << miners_found
              << " miner(s) with a driver\n";
    return 0;
}

}  // namespace hashsink::app
