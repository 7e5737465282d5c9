#include "adapters/sensors/mqtt_payload.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hashsink::sensors::mqtt {
namespace {

using nlohmann::json;

Status bad(std::string msg) { return Status::error(ErrorCode::protocol, std::move(msg), true); }

// The first `max` bytes of a payload, to quote in an error: printable ASCII as it is, any other
// byte as \xNN. The error goes to the page's JSON, the log and the journal, which must never get
// bytes that are not text (the page's JSON would not serialise at all).
std::string quoted_excerpt(std::string_view payload, std::size_t max) {
    static const char* const kHex = "0123456789abcdef";
    std::string out = "\"";
    for (char c : payload.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        }
    }
    return out + (payload.size() > max ? "\"..." : "\"");
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The times a payload may name: 1970 up to 2200, well inside what a TimePoint holds (its
// nanoseconds end in 2262); anything else is an error, not an overflow.
constexpr std::int64_t kEndOfSpanMs = 7'258'118'400'000;  // 2200-01-01T00:00:00Z

std::optional<TimePoint> in_span(std::int64_t unix_ms) {
    if (unix_ms < 0 || unix_ms >= kEndOfSpanMs) return std::nullopt;
    return from_unix_ms(unix_ms);
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

std::optional<double> as_number(const json& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_boolean()) return j.get<bool>() ? 1.0 : 0.0;
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        double v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return v;
    }
    return std::nullopt;
}

std::optional<TimePoint> as_time(const json& j) {
    if (j.is_number()) {
        double v = j.get<double>();
        if (!std::isfinite(v) || v < 0 || v > 1e14) return std::nullopt;
        // Unix milliseconds from 1973 on; seconds below.
        return in_span(v > 1e11 ? static_cast<std::int64_t>(v)
                                : static_cast<std::int64_t>(v * 1000));
    }
    if (j.is_string()) return parse_iso8601(j.get_ref<const std::string&>());
    return std::nullopt;
}

std::string short_dump(const json& j) {
    std::string s = j.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

Status append_slots(const json& arr, std::vector<ScheduleSlot>& out, const char* where) {
    if (!arr.is_array()) return bad(std::string(where) + " is not an array");
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const json& e = arr[i];
        const std::string at = std::string(where) + "[" + std::to_string(i) + "]";
        if (!e.is_object()) return bad(at + " is not an object");
        if (!e.contains("start") || !e.contains("end")) return bad(at + " needs start and end");
        auto start = as_time(e["start"]);
        auto end = as_time(e["end"]);
        if (!start) return bad(at + ".start: not a time with an offset: " + short_dump(e["start"]));
        if (!end) return bad(at + ".end: not a time with an offset: " + short_dump(e["end"]));
        const json* v = e.contains("value")   ? &e["value"]
                        : e.contains("price") ? &e["price"]
                                              : nullptr;
        if (v == nullptr) return bad(at + " needs a value");
        auto value = as_number(*v);
        if (!value || !std::isfinite(*value))
            return bad(at + ".value: not a finite number: " + short_dump(*v));
        if (*end <= *start) return bad(at + ": end is not after start");
        if (out.size() >= kMaxSlots)
            return bad("more than " + std::to_string(kMaxSlots) + " slots");
        out.push_back({*start, *end, *value});
    }
    return Status::success();
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
    int y, mo, d, h, mi, sec = 0;
    if (!digits(s, 0, 4, y) || s.size() < 16 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
        !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi))
        return std::nullopt;
    std::size_t i = 16;
    std::int64_t ms = 0;
    if (i < s.size() && s[i] == ':') {
        if (!digits(s, i + 1, 2, sec)) return std::nullopt;
        i += 3;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            ++i;
            int scale = 100, n = 0;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                ms += (s[i] - '0') * scale;
                scale /= 10;
                ++i;
                if (++n > 9) return std::nullopt;
            }
            if (n == 0) return std::nullopt;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    int offset_min = 0;
    if (i >= s.size()) return std::nullopt;  // local time without an offset is ambiguous
    if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        const int sign = s[i] == '-' ? -1 : 1;
        if (!digits(s, i + 1, 2, oh)) return std::nullopt;
        i += 3;
        if (i < s.size() && s[i] == ':') ++i;
        if (!digits(s, i, 2, om)) return std::nullopt;
        i += 2;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_min = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    std::int64_t secs =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
        mi * 60 + sec - offset_min * 60;
    return in_span(secs * 1000 + ms);
}

Result<double> parse_number(std::string_view payload, const std::string& pointer) {
    try {
        if (pointer.empty()) {
            std::string_view t = payload;
            while (!t.empty() && (t.front() == ' ' || t.front() == '\n' || t.front() == '\t' ||
                                  t.front() == '\r'))
                t.remove_prefix(1);
            while (!t.empty() &&
                   (t.back() == ' ' || t.back() == '\n' || t.back() == '\t' || t.back() == '\r'))
                t.remove_suffix(1);
            if (t == "true" || t == "ON" || t == "on") return 1.0;
            if (t == "false" || t == "OFF" || t == "off") return 0.0;
            if (!t.empty() && t.front() == '"' && t.size() >= 2 && t.back() == '"')
                t = t.substr(1, t.size() - 2);
            double v = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
            if (t.empty() || ec != std::errc() || end != t.data() + t.size())
                return bad("payload is not a number: " + quoted_excerpt(payload, 40));
            if (!std::isfinite(v)) return bad("payload is not a finite number");
            return v;
        }
        json doc = json::parse(payload.begin(), payload.end(), nullptr, false);
        if (doc.is_discarded()) return bad("payload is not JSON");
        json::json_pointer ptr(pointer);
        if (!doc.contains(ptr)) return bad("no value at " + pointer);
        auto v = as_number(doc.at(ptr));
        if (!v) return bad("value at " + pointer + " is not a number: " + short_dump(doc.at(ptr)));
        if (!std::isfinite(*v)) return bad("value at " + pointer + " is not a finite number");
        return *v;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::invalid, std::string("json_pointer: ") + e.what(), false);
    }
}

Result<std::vector<ScheduleSlot>> parse_slots(std::string_view payload) {
    try {
        json doc = json::parse(payload.begin(), payload.end(), nullptr, false);
        if (doc.is_discarded()) return bad("payload is not JSON");
        std::vector<ScheduleSlot> slots;
        if (doc.is_array()) {
            if (auto st = append_slots(doc, slots, "slots"); !st) return st;
        } else if (doc.is_object()) {
            const json* holder = &doc;
            if (!doc.contains("raw_today") && !doc.contains("raw_tomorrow") &&
                doc.contains("attributes"))
                holder = &doc["attributes"];
            if (!holder->is_object() ||
                (!holder->contains("raw_today") && !holder->contains("raw_tomorrow")))
                return bad("expected a slot array or an object with raw_today / raw_tomorrow");
            for (const char* key : {"raw_today", "raw_tomorrow"}) {
                if (!holder->contains(key) || (*holder)[key].is_null()) continue;
                if (auto st = append_slots((*holder)[key], slots, key); !st) return st;
            }
        } else {
            return bad("expected a slot array or an object with raw_today / raw_tomorrow");
        }
        std::sort(slots.begin(), slots.end(),
                  [](const ScheduleSlot& a, const ScheduleSlot& b) { return a.start < b.start; });
        for (std::size_t i = 1; i < slots.size(); ++i)
            if (slots[i].start < slots[i - 1].end)
                return bad("slots overlap at " + iso8601(slots[i].start));
        return slots;
    } catch (const std::exception& e) {
        return bad(std::string("slots: ") + e.what());
    }
}

const ScheduleSlot* slot_at(const std::vector<ScheduleSlot>& slots, TimePoint t) {
    auto it = std::upper_bound(slots.begin(), slots.end(), t,
                               [](TimePoint v, const ScheduleSlot& s) { return v < s.start; });
    if (it == slots.begin()) return nullptr;
    --it;
    return t < it->end ? &*it : nullptr;
}

}  // namespace hashsink::sensors::mqtt
