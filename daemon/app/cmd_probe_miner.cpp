// hashsink probe miner: detect a miner's firmware, probe it and print its normalised state.
#include <iostream>

#include <nlohmann/json.hpp>

#include "adapters/miners/axeos/axeos_codec.hpp"
#include "adapters/miners/miner_json.hpp"
#include "adapters/miners/registry.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/app/cli.hpp"
#include "daemon/app/commands.hpp"

namespace hashsink::app {
namespace {

constexpr int kExitUnavailable = 69;   // EX_UNAVAILABLE

const std::vector<OptionSpec> kSpecs = {
    {"url", "URL", "miner web API, e.g. http://192.168.1.50 (required)"},
    {"driver", "NAME", "skip detection and use this driver (axeos)"},
    {"timeout", "DURATION", "deadline for each request (default 2s)"},
    {"allow-overclock", "", "list levels above the stock frequency/voltage"},
};

// Which driver speaks to this URL: AxeOS answers /api/system/info with an ASICModel.
std::string detect(const std::string& url, Duration timeout, std::string& why) {
    transport::HttpClient client(url, {.timeout = timeout});
    auto res = client.get("/api/system/info");
    if (!res) {
        why = res.error().message;
        return {};
    }
    auto obj = miners::axeos::parse_object(res->body, "GET /api/system/info");
    if (obj && obj->contains("ASICModel")) return "axeos";
    why = "GET /api/system/info: " +
          (obj ? std::string("no ASICModel field") : obj.error().message) +
          "; no known firmware recognised (use --driver to force one)";
    return {};
}

}  // namespace

int cmd_probe_miner(const CommandArgs& argv) {
    const std::string synopsis = "probe miner --url URL [--driver NAME] [--timeout 2s]";
    const std::string summary =
        "Detects a miner's firmware, reads its capabilities and state, and prints them as JSON.\n"
        "Exits 69 when the miner is unreachable or not recognised.";
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, synopsis, summary, kSpecs)) return *code;
    if (!args.has("url") || args.get("url").empty()) {
        std::cerr << "hashsink probe miner: --url is required\n" << usage(synopsis, summary, kSpecs);
        return kExitUsage;
    }
    const std::string url = args.get("url");
    if (auto st = transport::HttpClient::check_base_url(url); !st) {
        std::cerr << "hashsink probe miner: " << st.message << "\n";
        return kExitUsage;
    }
    auto timeout = parse_duration(args.get("timeout", "2s"));
    if (!timeout || *timeout < Duration{100} || *timeout > Duration{30000}) {
        std::cerr << "hashsink probe miner: --timeout: expected a duration from 100ms to 30s\n";
        return kExitUsage;
    }

    std::string driver_name = args.get("driver");
    if (driver_name.empty()) {
        std::string why;
        driver_name = detect(url, *timeout, why);
        if (driver_name.empty()) {
            std::cerr << "hashsink probe miner " << url << ": " << why << "\n";
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
    options.set("url", url);
    options.set("timeout", *timeout);
    options.set("allow_overclock", args.has("allow-overclock"));
    auto driver = type->make("probe", with_defaults(type->keys, options));
    auto state = driver->read_state();
    if (!state) {
        std::cerr << "hashsink probe miner: " << state.error().message << "\n";
        return kExitUnavailable;
    }
    nlohmann::json out = *state;
    std::cout << out.dump(2) << "\n";
    return 0;
}

}  // namespace hashsink::app
