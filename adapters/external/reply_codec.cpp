#include "adapters/external/reply_codec.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hashsink::external {
namespace {

using nlohmann::json;

Status bad(std::string msg) { return Status::error(ErrorCode::protocol, std::move(msg), true); }

// Printable and bounded: the reason goes into log lines and the journal.
std::string sanitise(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (out.size() >= kMaxReasonBytes) break;
        if (c < 0x20 || c == 0x7f) c = ' ';
        out.push_back(static_cast<char>(c));
    }
    // Do not leave half a UTF-8 sequence at the cut.
    if (out.size() >= kMaxReasonBytes) {
        std::size_t end = out.size();
        while (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80) --end;
        if (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0x80)) --end;
        out.resize(end);
    }
    return out;
}

// Finite numbers only in the snapshot: JSON has no NaN.
void put_number(json& j, const std::string& key, std::optional<double> v) {
    if (v && std::isfinite(*v)) j[key] = *v;
}

}  // namespace

Result<ExternalReply> parse_reply(std::string_view payload) {
    json j = json::parse(payload.begin(), payload.end(), nullptr, false);
    if (j.is_discarded()) return bad("reply is not JSON");
    if (!j.is_object()) return bad("reply is not a JSON object");
    ExternalReply r;
    auto seq = j.find("seq");
    if (seq == j.end()) return bad("reply has no seq");
    if (!seq->is_number_unsigned()) return bad("seq is not a non-negative integer");
    r.seq = seq->get<std::uint64_t>();
    auto budget = j.find("budget_w");
    if (budget == j.end()) return bad("reply has no budget_w");
    if (!budget->is_number()) return bad("budget_w is not a number");
    r.budget_w = budget->get<double>();
    if (auto miners = j.find("miners"); miners != j.end() && !miners->is_null()) {
        if (!miners->is_object()) return bad("miners is not an object of miner id -> {max_w}");
        if (miners->size() > kMaxReplyMiners)
            return bad("miners has " + std::to_string(miners->size()) + " entries (at most " +
                       std::to_string(kMaxReplyMiners) + ")");
        for (const auto& [id, entry] : miners->items()) {
            if (id.empty() || id.size() > kMaxMinerIdBytes)
                return bad("miners: a miner id is empty or longer than " +
                           std::to_string(kMaxMinerIdBytes) + " bytes");
            const std::string shown = sanitise(id);
            if (!entry.is_object()) return bad("miners." + shown + " is not an object");
            auto max_w = entry.find("max_w");
            if (max_w == entry.end()) return bad("miners." + shown + " has no max_w");
            if (!max_w->is_number()) return bad("miners." + shown + ".max_w is not a number");
            r.miner_max_w[id] = max_w->get<double>();
        }
    }
    if (auto shed = j.find("shed"); shed != j.end() && !shed->is_null()) {
        if (!shed->is_boolean()) return bad("shed is not true or false");
        r.shed = shed->get<bool>();
    }
    if (auto reason = j.find("reason"); reason != j.end() && !reason->is_null()) {
        if (!reason->is_string()) return bad("reason is not a string");
        r.reason = sanitise(reason->get<std::string>());
    }
    return r;
}

std::string snapshot_json(const SiteSnapshot& s, std::uint64_t seq, Duration deadline,
                          const std::string& reply_topic) {
    json j;
    j["seq"] = seq;
    j["time"] = iso8601(s.now);
    j["time_ms"] = unix_ms(s.now);
    j["deadline_ms"] = deadline.count();
    j["reply_to"] = reply_topic;
    json signals = json::object();
    json stale = json::array();
    for (const auto& [name, r] : s.readings) {
        if (r.fresh_at(s.now) && std::isfinite(r.value)) signals[name] = r.value;
        else stale.push_back(name);
    }
    j["signals"] = std::move(signals);
    j["stale"] = std::move(stale);
    json miners = json::object();
    for (const auto& m : s.miners) {
        json v;
        v["online"] = m.state_fresh;
        v["state"] = m.state ? to_string(m.state->state) : "unknown";
        if (m.state) {
            put_number(v, "power_w", m.state->power_w);
            put_number(v, "hashrate_ths", m.state->hashrate_ths);
            put_number(v, "chip_temp_c", m.state->chip_temp_c);
        }
        v["target_run"] = m.target.run;
        v["target_w"] = m.target.run ? m.target.power_w : 0.0;
        // The range the allocator may use, inside the installer's per-miner limits.
        double lo = m.caps.min_power_w(), hi = m.caps.max_power_w();
        if (m.max_power_w > 0) hi = std::min(hi, m.max_power_w);
        if (m.min_power_w > 0) lo = std::max(lo, m.min_power_w);
        v["min_w"] = lo;
        v["max_w"] = hi;
        v["can_pause"] = m.caps.can_pause;
        miners[m.id] = std::move(v);
    }
    j["miners"] = std::move(miners);
    j["draw_w"] = s.miners_draw_w();
    j["manual"] = s.manual ? json(to_string(s.manual->mode)) : json(nullptr);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace hashsink::external
