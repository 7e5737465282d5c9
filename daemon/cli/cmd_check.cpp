// hashsink check: the same load path as `run`, stopping after validation.
#include <iostream>

#include "daemon/app/catalog.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/config/config.hpp"

namespace hashsink::app {

int cmd_check(const CommandArgs& argv) {
    const std::vector<OptionSpec> specs = {
        {"config", "FILE", "config file to validate"},
        {"reference", "", "print the Markdown reference of every config key and exit"},
    };
    const std::string synopsis = "check --config FILE | check --reference";
    const std::string summary =
        "Validates a config file and reports every problem as FILE:LINE:COL: error: key: message.\n"
        "Exit status: 0 valid, 78 invalid or unreadable, 64 usage error.";
    const Command cmd("check", synopsis, summary, specs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (!args.positional().empty())
        return cmd.usage_error("unexpected argument '" + args.positional().front() + "'");
    const config::Catalog catalog = build_catalog();
    if (args.has("reference")) {
        std::cout << config::reference_markdown(catalog);
        return 0;
    }
    if (!args.has("config") || args.get("config").empty())
        return cmd.usage_error("--config FILE is required");
    const std::string path = args.get("config");
    config::LoadResult result = config::load_file(path, catalog);
    if (result.ok()) {
        std::cout << path << ": ok\n";
        return 0;
    }
    for (const auto& d : result.diagnostics) std::cerr << d.format() << "\n";
    return config::kExitConfig;
}

}  // namespace hashsink::app
