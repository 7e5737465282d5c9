#include "daemon/app/mqtt_control.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hashsink::app {
namespace {

using nlohmann::json;

Status bad(std::string message) {
    return Status::error(ErrorCode::invalid, std::move(message), false);
}

std::string trimmed_lower(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<double> number(std::string_view text) {
    const std::string t = trimmed_lower(text);
    double v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || end != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

Result<int> minutes_in(double v) {
    if (!std::isfinite(v) || v < 1 || v > 7 * 24 * 60)
        return bad("minutes: must be between 1 and 10080 (a week)");
    return static_cast<int>(std::lround(v));
}

// The override payload: a mode word, or the page's {"mode", "minutes"}. nullopt mode: auto.
struct OverridePayload {
    std::optional<std::string> mode;
    int minutes = 0;
};

Result<OverridePayload> override_payload(std::string_view payload, int default_minutes) {
    OverridePayload out{std::nullopt, default_minutes};
    std::string mode = trimmed_lower(payload);
    if (!mode.empty() && mode.front() == '{') {
        json body = json::parse(payload, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("mode") ||
            !body["mode"].is_string())
            return bad("expected auto, min, max or off, or {\"mode\": ..., \"minutes\": ...}");
        mode = trimmed_lower(body["mode"].get<std::string>());
        if (body.contains("minutes")) {
            if (!body["minutes"].is_number()) return bad("minutes: expected a number");
            auto m = minutes_in(body["minutes"].get<double>());
            if (!m) return m.error();
            out.minutes = *m;
        }
    }
    if (mode == "auto" || mode == "clear") return out;
    if (mode != "min" && mode != "max" && mode != "off")
        return bad("mode: expected auto, min, max or off");
    out.mode = mode;
    return out;
}

ManualOverride::Mode mode_of(const std::string& m) {
    return m == "min"   ? ManualOverride::Mode::min
           : m == "max" ? ManualOverride::Mode::max
                        : ManualOverride::Mode::off;
}

Result<ControlCommand> miner_command(std::string_view id, std::string_view what,
                                     std::string_view payload, int default_minutes, TimePoint now) {
    ControlCommand c;
    c.miner.id = std::string(id);
    if (what == "enabled") {
        const std::string v = trimmed_lower(payload);
        if (v == "on" || v == "true" || v == "1")
            c.miner.enabled = true;
        else if (v == "off" || v == "false" || v == "0")
            c.miner.enabled = false;
        else
            return bad("enabled: expected ON or OFF");
    } else if (what == "max_power_w") {
        auto w = number(payload);
        if (!w || *w < 0 || *w > 1e6) return bad("max_power_w: expected watts, 0 to 1000000");
        c.miner.max_power_w = *w;
    } else if (what == "override") {
        auto o = override_payload(payload, default_minutes);
        if (!o) return o.error();
        c.miner.change_override = true;
        if (o->mode)
            c.miner.override_ = ManualOverride{.mode = mode_of(*o->mode),
                                               .until = now + std::chrono::minutes(o->minutes),
                                               .by = "mqtt"};
    } else if (what == "override_duration") {
        auto v = number(payload);
        if (!v) return bad("override_duration: expected minutes");
        auto m = minutes_in(*v);
        if (!m) return m.error();
        c.kind = ControlCommand::Kind::override_duration;
        c.miner_id = std::string(id);
        c.minutes = *m;
    } else {
        return bad("unknown command " + std::string(what));
    }
    return c;
}

}  // namespace

std::vector<std::string> control_filters(std::string_view prefix) {
    const std::string p(prefix);
    return {p + "/override/set", p + "/miner/+/+/set"};
}

Result<ControlCommand> parse_miner_command(std::string_view id, std::string_view what,
                                           std::string_view payload, int default_minutes,
                                           TimePoint now) {
    return miner_command(id, what, payload, default_minutes, now);
}

Result<ControlCommand> parse_command(std::string_view prefix, std::string_view topic,
                                     std::string_view payload, const MinutesFor& minutes_for,
                                     TimePoint now) {
    if (topic.size() <= prefix.size() + 1 || topic.substr(0, prefix.size()) != prefix ||
        topic[prefix.size()] != '/')
        return bad("not a command topic");
    std::string_view rest = topic.substr(prefix.size() + 1);
    constexpr std::string_view kSet = "/set";
    if (rest.size() <= kSet.size() || rest.substr(rest.size() - kSet.size()) != kSet)
        return bad("not a command topic");
    rest.remove_suffix(kSet.size());
    if (payload.size() > 1024) return bad("payload longer than 1024 bytes");
    if (rest == "override") {
        auto o = override_payload(payload, kDefaultOverrideMinutes);
        if (!o) return o.error();
        ControlCommand c;
        c.kind = ControlCommand::Kind::site_override;
        if (o->mode) c.site = web::OverrideRequest{*o->mode, std::chrono::minutes(o->minutes)};
        return c;
    }
    constexpr std::string_view kMiner = "miner/";
    if (rest.substr(0, kMiner.size()) == kMiner) {
        rest.remove_prefix(kMiner.size());
        const auto slash = rest.find('/');
        if (slash != std::string_view::npos && slash > 0) {
            const std::string_view id = rest.substr(0, slash);
            return miner_command(id, rest.substr(slash + 1), payload,
                                 minutes_for ? minutes_for(id) : kDefaultOverrideMinutes, now);
        }
    }
    return bad("unknown command topic " + std::string(topic));
}

}  // namespace hashsink::app
