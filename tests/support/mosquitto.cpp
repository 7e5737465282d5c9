#include "tests/support/mosquitto.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "tests/support/net.hpp"

namespace hashsink::test {

Mosquitto::Mosquitto(std::string extra)
    : dir_(temp_dir()), extra_(std::move(extra)), port_(free_port()) {
    start();
}

Mosquitto::~Mosquitto() { stop(); }

std::string Mosquitto::url(const std::string& scheme) const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
}

bool Mosquitto::start() {
    if (child_) return true;
    const std::string conf = dir_ + "/mosquitto.conf";
    // Started as root, mosquitto would switch to its own user and lose our temp files.
    const std::string user = ::geteuid() == 0 ? "user root\n" : "";
    write_file(conf, user + "per_listener_settings true\npersistence false\nlog_dest file " + dir_ +
                         "/mosquitto.log\nlog_type all\nlistener " + std::to_string(port_) +
                         " 127.0.0.1\n" + extra_);
    child_ = std::make_unique<Child>(std::vector<std::string>{"/usr/sbin/mosquitto", "-c", conf},
                                     dir_ + "/stderr.log");
    return wait_for_port(port_, std::chrono::seconds(10));
}

void Mosquitto::stop() {
    if (!child_) return;
    child_->kill(SIGTERM);
    child_->kill(SIGCONT);  // a frozen broker acts on the SIGTERM once it runs
    // A broker that has not exited 5 s after SIGTERM is killed, so a test never waits on it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (child_->running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (child_->running()) child_->kill(SIGKILL);
    child_->wait();
    child_.reset();
}

void Mosquitto::freeze(bool frozen) {
    if (child_) child_->kill(frozen ? SIGSTOP : SIGCONT);
}

}  // namespace hashsink::test
