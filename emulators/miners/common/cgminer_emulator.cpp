#include "emulators/miners/common/cgminer_emulator.hpp"

#include <ctime>

namespace hashsink::miners::emu {

using SteadyClock = std::chrono::steady_clock;

CgminerEmulator::CgminerEmulator(const Listen& listen, SharedClock clock)
    : bind_(listen.bind),
      configured_port_(listen.port),
      clock_(clock_or_steady(std::move(clock))) {}

CgminerEmulator::~CgminerEmulator() { stop(); }

Status CgminerEmulator::start() {
    downtime_.resume();
    offline_ = false;
    std::lock_guard lock(server_mutex_);
    auto st = server_.start(bind_, bound_port_ > 0 ? bound_port_ : configured_port_,
                            [this](const std::string& req) { return handle(req); });
    if (st) bound_port_ = server_.port();
    return st;
}

void CgminerEmulator::stop() {
    downtime_.cancel();  // a pending reboot does not listen again
    std::lock_guard lock(server_mutex_);
    server_.stop();
}

void CgminerEmulator::set_offline(bool on) {
    std::lock_guard lock(server_mutex_);
    if (on == offline_) return;
    offline_ = on;
    if (on) {
        server_.stop();
    } else if (bound_port_ > 0) {
        server_.start(bind_, bound_port_, [this](const std::string& req) { return handle(req); });
    }
}

void CgminerEmulator::reboot(std::chrono::milliseconds downtime) { downtime_.begin(downtime); }

std::size_t CgminerEmulator::command_count(const std::string& command) const {
    std::lock_guard lock(counts_mutex_);
    auto it = counts_.find(command);
    return it == counts_.end() ? 0 : it->second;
}

nlohmann::ordered_json CgminerEmulator::status_reply(const char* s, int code,
                                                     const std::string& msg) const {
    nlohmann::ordered_json st;
    st["STATUS"] = s;
    st["When"] = static_cast<long>(std::time(nullptr));
    st["Code"] = code;
    st["Msg"] = msg;
    st["Description"] = description();
    return {{"STATUS", nlohmann::ordered_json::array({st})}, {"id", 1}};
}

std::optional<std::string> CgminerEmulator::handle_raw(const std::string& raw) {
    auto req = nlohmann::json::parse(raw, nullptr, false);
    std::string cmd, param;
    if (req.is_object()) {
        for (const char* key : {"command", "cmd"}) {
            if (auto it = req.find(key); it != req.end() && it->is_string()) cmd = it->get<std::string>();
        }
        if (auto it = req.find("parameter"); it != req.end() && it->is_string())
            param = it->get<std::string>();
    } else {
        req = nullptr;
        auto bar = raw.find('|');   // plain-text form "cmd|param"
        cmd = raw.substr(0, bar);
        while (!cmd.empty() && (cmd.back() == '\n' || cmd.back() == '\r')) cmd.pop_back();
        if (bar != std::string::npos) param = raw.substr(bar + 1);
    }
    {
        std::lock_guard lock(counts_mutex_);
        ++counts_[cmd];
    }
    if (failing_) return status_reply("E", 45, "Access denied to '" + cmd + "' command").dump();
    return reply(cmd, param, req);
}

std::optional<std::string> CgminerEmulator::handle(const std::string& raw) {
    const auto until = SteadyClock::now() + std::chrono::milliseconds(latency_ms_.load());
    while (SteadyClock::now() < until && !server_.stopping())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto out = handle_raw(raw);
    if (out && malformed_) *out = "{\"STATUS\":[{\"STATUS\":\"S\",\x01" + out->substr(out->size() / 2);
    return out;
}

}  // namespace hashsink::miners::emu
