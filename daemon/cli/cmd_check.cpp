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
    Args args(argv, specs);
    if (auto code = handle_common(args, synopsis, summary, specs)) return *code;
    if (!args.positional().empty()) {
        std::cerr << "hashsink check: unexpected argument '" << args.positional().front() << "'\n"
                  << usage(synopsis, summary, specs);
        return kExitUsage;
    }
    const config::Catalog catalog = build_catalog();
    if (args.has("reference")) {
        std::cout << config::reference_markdown(catalog);
        return 0;
    }
    if (!args.has("config") || args.get("config").empty()) {
        std::cerr << "hashsink check: --config FILE is required\n" << usage(synopsis, summary, specs);
        return kExitUsage;
    }
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
