// hashsink probe modbus: read a Modbus device (TCP or RTU) through a register-map profile and
// print every point, decoded, as JSON.
#include <iostream>
#include <nlohmann/json.hpp>

#include "adapters/sensors/modbus_profile_source.hpp"
#include "adapters/sensors/profiles/profile_catalog.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/options.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"profile", "NAME", "register-map profile (required; --list shows them)"},
    {"list", "", "list the available profiles and exit"},
    {"profile-dir", "DIR", "look for NAME.toml here before the built-in profiles"},
    {"host", "HOST", "Modbus TCP address (or --device)"},
    {"port", "PORT", "Modbus TCP port (default: the profile's)", IntRange{1, 65535, 0}},
    {"device", "PATH", "serial device for Modbus RTU, e.g. /dev/ttyUSB0"},
    {"baud", "N", "RTU baud rate (default: the profile's)", IntRange{50, 1000000, 0}},
    {"parity", "N|E|O", "RTU parity (default: the profile's)"},
    {"data-bits", "N", "RTU data bits (default: the profile's)", IntRange{5, 8, 0}},
    {"stop-bits", "N", "RTU stop bits (default: the profile's)", IntRange{1, 2, 0}},
    {"unit", "ID", "Modbus unit id (default: the profile's)", IntRange{1, 247, 0}},
    response_timeout_option(),
};

constexpr const char* kSynopsis =
    "probe modbus --profile NAME (--host HOST | --device PATH) [options]";
constexpr const char* kSummary =
    "Reads a Modbus device through a register-map profile and prints every point as JSON:\n"
    "scaled values with units, and for each point that has none the reason (sentinel,\n"
    "out of range, refused by the device).";

// The endpoint and response timeout the options ask for, before the profile's defaults; the
// exit code of a usage error otherwise.
std::optional<int> read_endpoint(const Command& cmd, transport::ModbusEndpoint& e) {
    const Args& args = cmd.args();
    if (args.get("profile").empty()) return cmd.usage_error("--profile is required");
    const bool tcp = !args.get("host").empty();
    if (tcp == !args.get("device").empty())
        return cmd.usage_error("give exactly one of --host and --device");
    const auto values = cmd.values();
    if (!values) return cmd.usage_exit();
    std::string parity = args.get("parity");
    if (!parity.empty() && parity != "N" && parity != "E" && parity != "O")
        return cmd.usage_error("--parity must be N, E or O");
    e.host = args.get("host");
    e.device = args.get("device");
    e.port = values->small("port");
    e.unit = values->small("unit");
    e.baud = values->small("baud");
    e.parity = parity.empty() ? '\0' : parity[0];
    e.data_bits = values->small("data-bits");
    e.stop_bits = values->small("stop-bits");
    e.response_timeout = values->duration("timeout");
    e.pace = Duration{10};
    return std::nullopt;
}

nlohmann::ordered_json value_json(const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json reading_json(const sensors::profiles::Profile& profile,
                                    const sensors::ProfileReading& reading,
                                    const transport::ModbusEndpoint& e, bool tcp) {
    nlohmann::ordered_json out;
    out["profile"] = profile.name;
    out["title"] = profile.title;
    out["transport"] = tcp ? "tcp" : "rtu";
    out["address"] = tcp ? e.host + ":" + std::to_string(e.port) : e.device;
    out["unit"] = e.unit;
    auto points = nlohmann::ordered_json::object();
    for (const auto& pt : profile.points) {
        static const sensors::profiles::PointValue kNone{};
        auto found = reading.points.find(pt.name);
        const auto& pv = found != reading.points.end() ? found->second : kNone;
        nlohmann::ordered_json j;
        j["value"] = value_json(pv.value);
        j["unit"] = pt.unit;
        j["address"] = pt.address;
        j["table"] = pt.table == transport::RegisterTable::input ? "input" : "holding";
        j["raw"] = pv.raw;
        if (!pt.signal.empty()) j["signal"] = pt.signal;
        if (!pv.problem.empty()) j["problem"] = pv.problem;
        points[pt.name] = std::move(j);
    }
    out["points"] = std::move(points);
    auto signals = nlohmann::ordered_json::object();
    for (const auto& [name, sv] : reading.signals) signals[name] = value_json(sv.value);
    out["signals"] = std::move(signals);
    return out;
}

}  // namespace

int cmd_probe_modbus(const CommandArgs& argv) {
    const Command cmd("probe modbus", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    const std::string dir = args.get("profile-dir");
    if (args.has("list")) {
        for (const auto& n : sensors::profiles::profile_names(dir)) std::cout << n << "\n";
        return 0;
    }
    transport::ModbusEndpoint e;
    if (auto code = read_endpoint(cmd, e)) return *code;
    auto profile = sensors::profiles::load_profile(args.get("profile"), dir);
    if (!profile) return cmd.fail(profile.error().message, kExitUsage);
    const bool tcp = !e.host.empty();
    const Duration timeout = e.response_timeout;
    e = sensors::endpoint_for(*profile, e, true);
    transport::ModbusClient client(e);
    client.set_deadline(std::chrono::steady_clock::now() + timeout * 4);
    auto reading = sensors::read_profile(client, *profile, e.unit);
    if (!reading) return cmd.fail(reading.error().message, kExitUnavailable);
    std::cout << reading_json(*profile, *reading, e, tcp).dump(2) << "\n";
    return reading->blocks_read == 0 ? kExitUnavailable : 0;
}

}  // namespace hashsink::app
