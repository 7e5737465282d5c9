#include "daemon/app/signals.hpp"

#include <atomic>
#include <csignal>
#include <thread>

namespace hashsink::app {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }
}  // namespace

void install_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

void ignore_file_size_signal() { std::signal(SIGXFSZ, SIG_IGN); }

bool stop_requested() { return g_stop; }

bool wait_for_stop(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!g_stop && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return g_stop;
}

}  // namespace hashsink::app
