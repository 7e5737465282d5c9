// hashsink probe miner: detect a miner's firmware, probe it and print its normalised state.
#include <iostream>
#include <nlohmann/json.hpp>

#include "adapters/miners/detect.hpp"
#include "adapters/miners/registry.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/options.hpp"
#include "web/api/miner_json.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"url", "URL", "miner web address, e.g. http://192.168.1.50 (required)"},
    {"driver", "NAME", "skip detection and use this driver"},
    {"timeout", "DURATION", "deadline for each request (default 2s)",
     DurationRange{std::chrono::milliseconds(100), std::chrono::seconds(30), "2s"}},
    {"allow-overclock", "", "list levels above the stock frequency/voltage"},
    {"api-port", "PORT", "port of the cgminer-style API (default 4028)", remote_port(4028)},
    {"password-file", "FILE", "file holding the web password (braiins, vnish)"},
    {"api-key-file", "FILE", "file holding an API key (vnish)"},
};

constexpr const char* kSynopsis =
    "probe miner --url URL [--driver NAME] [--timeout 2s] [--password-file FILE]";
constexpr const char* kSummary =
    "Detects a miner's firmware, reads its capabilities and state, and prints them as JSON.\n"
    "Exits 69 when the miner is unreachable or not recognised.";

// host and port from "http://host[:port]" (already checked by check_base_url).
void split_url(const std::string& url, std::string& host, int& port) {
    std::string rest = url.substr(7);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    host = rest.substr(0, colon);
    port = colon == std::string::npos ? 80 : std::stoi(rest.substr(colon + 1));
}

}  // namespace

int cmd_probe_miner(const CommandArgs& argv) {
    const Command cmd("probe miner", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (!args.has("url") || args.get("url").empty()) return cmd.usage_error("--url is required");
    const std::string url = args.get("url");
    if (auto st = transport::HttpClient::check_base_url(url); !st)
        return cmd.fail(st.message, kExitUsage);
    auto timeout = cmd.duration_value("timeout");
    auto api_port = cmd.int_value("api-port");
    if (!timeout || !api_port) return kExitUsage;

    miners::DetectTarget target;
    split_url(url, target.host, target.http_port);
    target.timeout = *timeout;
    target.api_port = static_cast<int>(*api_port);
    std::string driver_name = args.get("driver");
    if (driver_name.empty()) {
        auto found = miners::detect_miner(target);
        driver_name = found.driver;
        if (driver_name.empty()) {
            std::cerr << "hashsink probe miner " << url << ": " << found.why
                      << " (use --driver to force one)\n";
            return kExitUnavailable;
        }
    }
    const auto* type = miners::find_driver_type(driver_name);
    if (type == nullptr) {
        std::cerr << "hashsink probe miner: unknown driver '" << driver_name << "' (known:";
        for (const auto& t : miners::driver_types()) std::cerr << " " << t.name;
        std::cerr << ")\n";
        return kExitUsage;
    }
    Options options;
    for (const auto& k : type->keys) {
        if (k.name == "url") options.set("url", url);
        if (k.name == "host") options.set("host", target.host);
        if (k.name == "port") options.set("port", std::int64_t{target.api_port});
        if (k.name == "timeout") options.set("timeout", *timeout);
        if (k.name == "allow_overclock") options.set("allow_overclock", args.has("allow-overclock"));
        if (k.name == "password_file" && args.has("password-file"))
            options.set("password_file", args.get("password-file"));
        if (k.name == "api_key_file" && args.has("api-key-file"))
            options.set("api_key_file", args.get("api-key-file"));
    }
    auto driver = type->make("probe", with_defaults(type->keys, options));
    auto state = driver->read_state();
    if (!state) return cmd.fail(state.error().message, kExitUnavailable);
    nlohmann::json out = *state;
    std::cout << out.dump(2) << "\n";
    return 0;
}

}  // namespace hashsink::app
