#include "adapters/miners/driver_support.hpp"

#include <fstream>
#include <thread>

namespace hashsink::miners {

Result<std::string> read_secret_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::error(ErrorCode::io, "cannot read secret file '" + path + "'", false);
    std::string text(4097, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > 4096) {
        return Status::error(ErrorCode::invalid, "secret file '" + path + "' is over 4 KiB", false);
    }
    if (auto nl = text.find_first_of("\r\n"); nl != std::string::npos) text.erase(nl);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    return text;
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

}  // namespace hashsink::miners
