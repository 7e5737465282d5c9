// A real mosquitto broker for tests: a generated config on a free loopback port, started as a
// child process and stopped (SIGTERM) when destroyed. stop()/start() keep the port, to test
// reconnects.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace hashsink::test {

class Mosquitto {
public:
    // extra: more lines for the listener's config (password_file, TLS files, ...).
    explicit Mosquitto(std::string extra = "allow_anonymous true\n");
    ~Mosquitto();
    Mosquitto(const Mosquitto&) = delete;
    Mosquitto& operator=(const Mosquitto&) = delete;

    bool start();  // true once the port accepts connections (bounded wait)
    void stop();
    // SIGSTOP (true) or SIGCONT (false): a frozen broker keeps its port and its connections
    // open and answers nothing, a broker that accepts and then stalls.
    void freeze(bool frozen);
    bool running() const { return child_ != nullptr; }
    int port() const { return port_; }
    std::string url(const std::string& scheme = "tcp") const;
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    std::string extra_;
    int port_ = 0;
    std::unique_ptr<Child> child_;
};

}  // namespace hashsink::test
