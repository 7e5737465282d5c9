#include "daemon/cli/options.hpp"

#include <chrono>

namespace hashsink::app {

OptionSpec bind_option() { return {"bind", "ADDR", "address to listen on (default 127.0.0.1)"}; }

std::string bind_address(const Args& args) { return args.get("bind", "127.0.0.1"); }

OptionSpec listen_port_option(const std::string& what, int fallback) {
    return {"port", "PORT",
            what + ", 0 picks a free one (default " + std::to_string(fallback) + ")",
            IntRange{0, 65535, fallback}};
}

OptionSpec response_timeout_option() {
    return {"timeout", "DURATION", "response timeout per request (default 2s)",
            DurationRange{std::chrono::milliseconds(1), {}, "2s"}};
}

}  // namespace hashsink::app
