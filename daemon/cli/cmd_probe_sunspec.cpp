// hashsink probe sunspec: walk a SunSpec device's model chain and print every known model,
// decoded, as JSON.
#include <iostream>

#include <nlohmann/json.hpp>

#include "adapters/sensors/sunspec/chain.hpp"
#include "adapters/sensors/sunspec/decoder.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::app {
namespace {

constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE

const std::vector<OptionSpec> kSpecs = {
    {"host", "HOST", "device address (required)"},
    {"port", "PORT", "Modbus TCP port (default 502)"},
    {"unit", "ID", "Modbus unit id (default 1)"},
    {"base", "ADDR", "SunSpec base register (default: find it at 40000, 50000, 0)"},
    {"timeout", "DURATION", "response timeout per request (default 2s)"},
};

constexpr const char* kSynopsis = "probe sunspec --host HOST [options]";
constexpr const char* kSummary =
    "Reads a SunSpec device over Modbus TCP and prints its models as JSON: SunSpec point\n"
    "names, scale factors applied, not-implemented points as null.";

}  // namespace

int cmd_probe_sunspec(const CommandArgs& argv) {
    const Command cmd("probe sunspec", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (!args.has("host") || args.get("host").empty()) return cmd.usage_error("--host is required");
    auto port = int_option(args, "port", 1, 65535, 502);
    if (!port) return cmd.usage_error("--port must be 1..65535");
    auto unit = int_option(args, "unit", 0, 255, 1);
    if (!unit) return cmd.usage_error("--unit must be 0..255");
    auto base = int_option(args, "base", -1, 65534, -1);
    if (!base) return cmd.usage_error("--base must be 0..65534");
    auto timeout = parse_duration(args.get("timeout", "2s"));
    if (!timeout || timeout->count() <= 0)
        return cmd.usage_error("--timeout must be a duration like 2s");

    transport::ModbusClient client(
        {args.get("host"), static_cast<int>(*port), static_cast<int>(*unit), *timeout});
    auto chain = sensors::sunspec::walk_chain(client, static_cast<int>(*base));
    if (!chain) return cmd.fail(chain.error().message, kExitUnavailable);
    auto models = sensors::sunspec::read_models(client, chain->models);
    if (!models) return cmd.fail(models.error().message, kExitUnavailable);
    nlohmann::ordered_json out;
    out["base_address"] = chain->base;
    out["unit"] = *unit;
    auto all = nlohmann::ordered_json::object();
    for (const auto& loc : chain->models) {
        // A second model with the same id (two meters, say) gets "<id>_2", "<id>_3", ...
        std::string key = std::to_string(loc.id);
        for (int n = 2; all.contains(key); ++n) key = std::to_string(loc.id) + "_" + std::to_string(n);
        auto it = models->find(loc.address);
        // Unknown models are listed as null: present in the chain, not decoded.
        all[key] = it == models->end() ? nlohmann::ordered_json(nullptr) : sensors::sunspec::to_json(it->second);
    }
    out["models"] = std::move(all);
    std::cout << out.dump(2) << "\n";
    return 0;
}

}  // namespace hashsink::app
