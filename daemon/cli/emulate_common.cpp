#include "daemon/cli/emulate_common.hpp"

#include <pthread.h>

#include <csignal>
#include <iostream>

namespace hashsink::app {

std::optional<long> emulate_int(const Args& args, const std::string& command,
                                const std::string& name, long min, long max, long fallback) {
    auto value = int_option(args, name, min, max, fallback);
    if (!value) {
        std::cerr << "hashsink " << command << ": --" << name << ": expected " << min << ".." << max
                  << "\n";
    }
    return value;
}

std::optional<int> emulate_port(const Args& args, const std::string& command, int fallback) {
    auto port = emulate_int(args, command, "port", 0, 65535, fallback);
    if (!port) return std::nullopt;
    return static_cast<int>(*port);
}

int serve_until_signal(const std::string& command, const std::function<Status()>& start,
                       const std::function<std::string()>& banner,
                       const std::function<void()>& stop) {
    // Block the signals before the server threads start so only sigwait sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    if (auto st = start(); !st) {
        std::cerr << "hashsink " << command << ": " << st.message << "\n";
        return 71;   // EX_OSERR
    }
    std::cout << "hashsink " << command << ": " << banner() << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    std::cout << "hashsink " << command << ": stopping (signal " << sig << ")" << std::endl;
    stop();
    return 0;
}

}  // namespace hashsink::app
