#include "daemon/cli/emulate_common.hpp"

#include <pthread.h>

#include <csignal>
#include <iostream>

namespace hashsink::app {

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
