// hashsink fleet: the central view of many sites on the broker they are bridged to, and
// fleet-wide curtailments (docs/fleet.md), until SIGINT/SIGTERM.
#include "adapters/miners/secret_file.hpp"
#include "daemon/app/fleet_view.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/emulate_common.hpp"
#include "daemon/cli/options.hpp"
#include "web/server.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"broker", "URL", "the central broker (default tcp://127.0.0.1:1883)"},
    {"sites", "FILTER",
     "a topic filter matching every site's [publish] prefix (default hashsink/+)"},
    {"command-topic", "TOPIC",
     "where commands go, the sites' fleet_topic (default "
     "hashsink/fleet/command)"},
    {"listen", "HOST:PORT", "the page and its API (default 127.0.0.1:8090; port 0: a free one)"},
    {"client-id", "ID", "MQTT client id (default hashsink-fleet)"},
    {"token-file", "FILE", "commands need `Authorization: Bearer <the file's text>`"},
    {"stale-after", "DURATION", "a site silent this long is flagged (default 60s)",
     DurationRange{std::chrono::seconds(1), std::chrono::hours(24), "60s"}},
};

constexpr const char* kSynopsis =
    "fleet [--broker URL] [--sites hashsink/+] [--listen 127.0.0.1:8090] [--token-file FILE]";
constexpr const char* kSummary =
    "Shows every site bridged to the central broker and sends fleet-wide curtailments, until "
    "SIGINT or SIGTERM.";

}  // namespace

int cmd_fleet(const CommandArgs& argv) {
    const Command cmd("fleet", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    FleetSettings s;
    s.broker.broker = args.get("broker", s.broker.broker);
    s.broker.client_id = args.get("client-id", "hashsink-fleet");
    s.broker.status_topic = "hashsink/fleet/online";
    s.sites = args.get("sites", s.sites);
    s.command_topic = args.get("command-topic", s.command_topic);
    auto stale = cmd.duration_value("stale-after");
    if (!stale) return kExitUsage;
    s.stale_after = *stale;
    if (args.has("token-file")) {
        auto token = miners::read_secret_file(args.get("token-file", ""), "--token-file");
        if (!token) return cmd.fail(token.error().message, kExitUsage);
        s.token = *token;
    }
    auto listen = web::parse_listen(args.get("listen", "127.0.0.1:8090"));
    if (!listen) return cmd.usage_error("--listen: expected HOST:PORT");
    SystemClock clock;
    FleetServer server(s, clock);
    return serve_until_signal(
        "fleet", [&] { return server.start(listen->first, listen->second); },
        [&] {
            return "fleet view of " + s.sites + " on " + s.broker.broker + " at http://" +
                   listen->first + ":" + std::to_string(server.port()) + "\nport " +
                   std::to_string(server.port());
        },
        [&] { server.stop(); });
}

}  // namespace hashsink::app
