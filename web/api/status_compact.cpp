#include "web/api/status_compact.hpp"

#include <algorithm>

#include "web/api/status_json.hpp"

namespace hashsink::web {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

Status bad(const std::string& name, const std::string& what) {
    return Status::error(ErrorCode::invalid, name + ": " + what, false);
}

// A whole number from 0 to 999 999 999 (digits only: no sign, no spaces, no exponent).
std::optional<std::size_t> whole_number(const std::string& text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoul(text);
}

// A device's error can quote a whole HTTP body: the row keeps its start, cut on a UTF-8
// character boundary.
std::string short_error(const std::string& error) {
    if (error.size() <= kCompactErrorChars) return error;
    std::size_t cut = kCompactErrorChars;
    while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0) == 0x80) --cut;
    return error.substr(0, cut) + "…";
}

bool reports(const loop::MinerStatus& m, MinerRunState s) {
    return m.online && m.state && m.state->state == s;
}

bool in_fault(const loop::MinerStatus& m) {
    return !m.last_error.empty() || reports(m, MinerRunState::error) ||
           reports(m, MinerRunState::overheated);
}

json fleet_json(const loop::LoopStatus& st) {
    std::size_t online = 0, mining = 0, paused = 0, fault = 0;
    double hashrate_ths = 0;
    for (const auto& m : st.miners) {
        online += m.online;
        mining += reports(m, MinerRunState::mining);
        paused += reports(m, MinerRunState::paused);
        fault += in_fault(m);
        if (m.online && m.state && m.state->hashrate_ths) hashrate_ths += *m.state->hashrate_ths;
    }
    return {{"miners", st.miners.size()},
            {"online", online},
            {"offline", st.miners.size() - online},
            {"mining", mining},
            {"paused", paused},
            {"in_fault", fault},
            {"planned_w", st.planned_w},
            {"measured_w", st.measured_w},
            {"hashrate_ths", hashrate_ths}};
}

json miner_row(const loop::MinerStatus& m) {
    const MinerState* s = m.state ? &*m.state : nullptr;
    return {{"id", m.id},
            {"online", m.online},
            {"state", s ? json(to_string(s->state)) : json(nullptr)},
            {"power_w", s ? opt(s->power_w) : json(nullptr)},
            {"hashrate_ths", s ? opt(s->hashrate_ths) : json(nullptr)},
            {"chip_temp_c", s ? opt(s->chip_temp_c) : json(nullptr)},
            {"run", m.target.run},
            {"target_w", m.target.run ? m.target.power_w : 0.0},
            {"applied", m.target_applied},
            {"error", short_error(m.last_error)}};
}

}  // namespace

Result<StatusQuery> parse_status_query(const std::multimap<std::string, std::string>& params) {
    for (const char* name : {"view", "offset", "limit"})
        if (params.count(name) > 1) return bad(name, "given more than once");
    auto value = [&](const char* name) -> const std::string* {
        auto it = params.find(name);
        return it == params.end() ? nullptr : &it->second;
    };
    StatusQuery q;
    if (const auto* view = value("view")) {
        if (*view != "full" && *view != "compact")
            return bad("view", "expected full or compact, got '" + *view + "'");
        q.compact = *view == "compact";
    }
    // As before there was a compact form: anything but 0 keeps the caps.
    if (const auto* caps = value("caps")) q.with_caps = *caps != "0";
    for (auto [name, field] : {std::pair{"offset", &q.offset}, std::pair{"limit", &q.limit}}) {
        const auto* text = value(name);
        if (!text) continue;
        if (!q.compact) return bad(name, "pages only the compact form (view=compact)");
        auto n = whole_number(*text);
        if (!n) return bad(name, "expected a whole number, got '" + *text + "'");
        *field = *n;
    }
    if (q.limit < 1 || q.limit > kCompactMaxLimit)
        return bad("limit", "expected 1 to " + std::to_string(kCompactMaxLimit) + ", got " +
                                std::to_string(q.limit));
    return q;
}

json compact_status_json(const loop::LoopStatus& st, TimePoint now, const StatusQuery& query) {
    json j = site_status_json(st, now);
    j["fleet"] = fleet_json(st);
    const std::size_t total = st.miners.size();
    const std::size_t first = std::min(query.offset, total);
    const std::size_t last = first + std::min(query.limit, total - first);
    json rows = json::array();
    for (std::size_t i = first; i < last; ++i) rows.push_back(miner_row(st.miners[i]));
    j["page"] = {{"offset", query.offset}, {"limit", query.limit}, {"total", total}};
    j["miners"] = std::move(rows);
    return j;
}

}  // namespace hashsink::web
