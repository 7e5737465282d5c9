// hashsink scan CIDR: find miners on an IPv4 range with bounded concurrency and timeouts.
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/miners/scan.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/options.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"json", "", "print a JSON array instead of text"},
    {"timeout", "DURATION", "deadline of each probe (default 1s)",
     DurationRange{std::chrono::milliseconds(50), std::chrono::seconds(30), "1s"}},
    {"concurrency", "N", "hosts probed at once, 1..256 (default 32)", IntRange{1, 256, 32}},
    {"http-port", "PORT", "web port to probe (default 80)", remote_port(80)},
    {"api-port", "PORT", "cgminer-style API port to probe (default 4028)", remote_port(4028)},
};

constexpr const char* kSynopsis =
    "scan CIDR [--json] [--timeout 1s] [--concurrency 32] [--http-port 80] [--api-port 4028]";
constexpr const char* kSummary =
    "Probes every address of an IPv4 range (at most a /16) for miners: the web page and the\n"
    "4028 API at once, like `probe miner`. Prints what each miner is and a config snippet.";

}  // namespace

int cmd_scan(const CommandArgs& argv) {
    const Command cmd("scan", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (args.positional().size() != 1)
        return cmd.usage_error("expected one CIDR range, e.g. 192.168.1.0/24");
    const auto values = cmd.values();
    if (!values) return kExitUsage;
    miners::ScanOptions options{args.positional()[0], values->duration("timeout"),
                                values->small("concurrency"), values->small("http-port"),
                                values->small("api-port")};
    auto scanned = miners::scan_range(options);
    if (!scanned) return cmd.fail(scanned.error().message, kExitUsage);
    const auto& found = *scanned;
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
    std::cerr << "hashsink scan: " << options.cidr << ": " << miners_found
              << " miner(s) with a driver\n";
    return 0;
}

}  // namespace hashsink::app
