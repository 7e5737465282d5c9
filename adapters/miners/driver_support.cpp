#include "adapters/miners/driver_support.hpp"

#include <algorithm>
#include <thread>

namespace hashsink::miners {

Status driver_error(std::string_view driver, const std::string& id, const Status& cause) {
    return Status::error(cause.code, std::string(driver) + " " + id + ": " + cause.message,
                         cause.retryable);
}

MinerState offline_state(std::string driver, std::string model, std::string firmware,
                         MinerCaps caps, const Status& cause) {
    MinerState s;
    s.driver = std::move(driver);
    s.model = std::move(model);
    s.firmware = std::move(firmware);
    s.online = false;
    s.state = MinerRunState::offline;
    s.detail = cause.message;
    s.caps = std::move(caps);
    return s;
}

Status login_failure(const transport::HttpClient& client, Status cause) {
    if (client.last_status() == 401 || client.last_status() == 403) cause.retryable = false;
    return cause;
}

Result<nlohmann::json> exchange_json(transport::HttpClient& client, std::string_view method,
                                     const std::string& path, const std::string& body) {
    Result<transport::HttpResponse> res = method == "GET"   ? client.get(path)
                                          : method == "PUT" ? client.put_json(path, body)
                                                            : client.post_json(path, body);
    if (!res) return res.error();
    if (res->body.empty()) return nlohmann::json(nullptr);
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
        return Status::error(ErrorCode::protocol,
                             std::string(method) + " " + path + ": body is not valid JSON");
    }
    return j;
}

std::size_t level_for(const MinerTarget& target, const MinerCaps& caps, double tolerance_w) {
    if (target.level) return std::min(*target.level, caps.levels.size() - 1);
    if (target.power_w <= 0) return caps.nominal_level;
    std::size_t level = 0;
    for (std::size_t i = 0; i < caps.levels.size(); ++i)
        if (caps.levels[i].power_w <= target.power_w + tolerance_w) level = i;
    return level;
}

Status poll_until(Duration deadline, Duration interval, const std::function<Status()>& check) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        Status st = check();
        if (st.ok() || st.code != ErrorCode::not_applied) return st;
        if (std::chrono::steady_clock::now() + interval > until) return st;
        std::this_thread::sleep_for(interval);
    }
}

bool read_back_until(Duration deadline, Duration interval, const std::function<bool()>& matches) {
    return poll_until(deadline, interval,
                      [&] {
                          return matches() ? Status::success()
                                           : Status::error(ErrorCode::not_applied, "");
                      })
        .ok();
}

}  // namespace hashsink::miners
