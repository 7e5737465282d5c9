// hashsink probe sunspec: walk a SunSpec device's model chain and print every known model,
// decoded, as JSON.
#include <iostream>
#include <nlohmann/json.hpp>

#include "adapters/sensors/sunspec/chain.hpp"
#include "adapters/sensors/sunspec/decoder.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/options.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"host", "HOST", "device address (required)"},
    {"port", "PORT", "Modbus TCP port (default 502)", IntRange{1, 65535, 502}},
    {"unit", "ID", "Modbus unit id (default 1)", IntRange{0, 255, 1}},
    {"base", "ADDR", "SunSpec base register (default: find it at 40000, 50000, 0)",
     IntRange{0, 65534, -1}},
    response_timeout_option(),
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
    const auto values = cmd.values();
    if (!values) return cmd.usage_exit();

    const int unit = values->small("unit");
    transport::ModbusClient client(
        {args.get("host"), values->small("port"), unit, values->duration("timeout")});
    auto chain = sensors::sunspec::walk_chain(client, values->small("base"));
    if (!chain) return cmd.fail(chain.error().message, kExitUnavailable);
    auto models = sensors::sunspec::read_models(client, chain->models);
    if (!models) return cmd.fail(models.error().message, kExitUnavailable);
    nlohmann::ordered_json out;
    out["base_address"] = chain->base;
    out["unit"] = unit;
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
