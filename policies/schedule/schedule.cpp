#include "policies/schedule/schedule.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace hashsink::policies {
namespace {

constexpr std::int64_t kDayS = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Day 0 (1970-01-01) was a Thursday: index 3 counting from Monday.
int weekday_of(std::int64_t day) { return static_cast<int>(((day % 7) + 7 + 3) % 7); }

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int day_index(const std::string& s) {
    for (std::size_t i = 0; i < kDays.size(); ++i)
        if (s == kDays[i]) return static_cast<int>(i);
    return -1;
}

// "HH:MM" -> minutes; -1 when malformed. "24:00" is allowed as an end.
int parse_clock(const std::string& s) {
    int h = 0, m = 0;
    char extra = 0;
    if (s.size() != 5 || s[2] != ':' || std::sscanf(s.c_str(), "%2d:%2d%c", &h, &m, &extra) != 2)
        return -1;
    if (!std::isdigit(static_cast<unsigned char>(s[0])) || !std::isdigit(static_cast<unsigned char>(s[3])))
        return -1;
    if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
    return h * 60 + m;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string check_windows(const OptionValue& v) {
    const auto* list = std::get_if<std::vector<std::string>>(&v);
    if (!list) return {};
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto p = parse_window((*list)[i]);
        if (!p.window) return "window " + std::to_string(i + 1) + " \"" + (*list)[i] + "\": " + p.error;
    }
    return {};
}

}  // namespace

ParsedWindow parse_window(const std::string& text) {
    std::istringstream in(lower(text));
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    const std::string shape = "expected \"[DAYS ]HH:MM-HH:MM MODE\", e.g. \"mon-fri 17:00-20:00 off\"";
    if (words.size() < 2 || words.size() > 3) return {std::nullopt, shape};
    ScheduleWindow w;
    w.text = text;
    std::size_t k = 0;
    if (words.size() == 3) {
        w.days = 0;
        std::string days = words[k++];
        std::stringstream parts(days);
        for (std::string part; std::getline(parts, part, ',');) {
            auto dash = part.find('-');
            int a = day_index(part.substr(0, dash));
            int b = dash == std::string::npos ? a : day_index(part.substr(dash + 1));
            if (a < 0 || b < 0)
                return {std::nullopt, "unknown day in \"" + days + "\" (use mon, tue, wed, thu, fri, sat, sun)"};
            for (int d = a;; d = (d + 1) % 7) {
                w.days |= 1u << d;
                if (d == b) break;
            }
        }
    }
    const std::string& span = words[k++];
    auto dash = span.find('-');
    if (dash == std::string::npos) return {std::nullopt, shape};
    w.start_min = parse_clock(span.substr(0, dash));
    w.end_min = parse_clock(span.substr(dash + 1));
    if (w.start_min < 0 || w.end_min < 0 || w.start_min == 24 * 60)
        return {std::nullopt, "bad time span \"" + span + "\" (HH:MM-HH:MM, 00:00 to 24:00)"};
    if (w.start_min == w.end_min) return {std::nullopt, "empty time span \"" + span + "\""};
    const std::string& mode = words[k];
    if (mode == "off") w.mode = Intent::Mode::off;
    else if (mode == "min") w.mode = Intent::Mode::min;
    else if (mode == "max") w.mode = Intent::Mode::max;
    else {
        double cap = 0;
        char unit = 0, extra = 0;
        if (std::sscanf(mode.c_str(), "%lf%c%c", &cap, &unit, &extra) != 2 || unit != 'w' || !(cap >= 0) ||
            cap > 1e9)
            return {std::nullopt, "unknown mode \"" + mode + "\" (off, min, max, or a cap like 1500W)"};
        w.mode = Intent::Mode::cap;
        w.cap_w = cap;
    }
    return {w, {}};
}

namespace {

std::vector<ScheduleWindow> windows_from(const std::vector<std::string>& texts) {
    std::vector<ScheduleWindow> windows;
    for (const auto& text : texts)
        if (auto p = parse_window(text); p.window) windows.push_back(*p.window);
    return windows;
}

}  // namespace

const Settings<ScheduleSettings>& ScheduleSettings::settings() {
    static const auto settings =
        Settings<ScheduleSettings>{}
            .bind(&ScheduleSettings::windows,
                  {.name = "windows",
                   .doc = "Time windows \"[DAYS ]HH:MM-HH:MM MODE\" in local time, first match "
                          "wins: DAYS like mon-fri or sat,sun; MODE off, min, max or a cap like "
                          "1500W.",
                   .fallback = std::vector<std::string>{},
                   .check = &check_windows},
                  &windows_from)
            .bind(&ScheduleSettings::utc_offset_min,
                  {.name = "utc_offset_min",
                   .doc = "Local time minus UTC, in minutes, a fixed offset used only when [site] "
                          "timezone is not given (prefer timezone: it follows daylight saving).",
                   .unit = "min",
                   .fallback = std::int64_t{0},
                   .min = -720.0,
                   .max = 840.0});
    return settings;
}

const KeyTable& ScheduleSettings::keys() { return settings().keys(); }

ScheduleSettings ScheduleSettings::from(const Options& options,
                                        const std::optional<TimeZone>& time_zone) {
    ScheduleSettings s = settings().from(options);
    s.time_zone = time_zone;
    return s;
}

std::int64_t ScheduleSettings::offset_s_at(std::int64_t unix_s) const {
    return time_zone ? time_zone->offset_s_at(unix_s) : utc_offset_min * 60LL;
}

std::int64_t ScheduleSettings::unix_s_of_local(std::int64_t local_s) const {
    return time_zone ? time_zone->unix_s_of_local(local_s) : local_s - utc_offset_min * 60LL;
}

std::optional<TimePoint> next_window_start(const ScheduleSettings& settings, TimePoint now,
                                           Duration within) {
    const std::int64_t now_ms = unix_ms(now);
    const std::int64_t now_s = floor_div(now_ms, 1000);
    const std::int64_t local_s = now_s + settings.offset_s_at(now_s);
    const std::int64_t day = floor_div(local_s, kDayS);
    std::optional<std::int64_t> best;
    // A look-ahead of up to a day reaches at most the day after tomorrow's midnight. Each
    // window's start is resolved through the zone on its own day, so a start after a daylight
    // saving change is at that day's offset (a start the clocks skip: when the skipped hour ends).
    for (std::int64_t d = day; d <= day + 2; ++d) {
        const int weekday = weekday_of(d);
        for (const auto& w : settings.windows) {
            if (!(w.days >> weekday & 1u)) continue;
            const std::int64_t start_ms =
                settings.unix_s_of_local(d * kDayS + w.start_min * 60LL) * 1000;
            const bool ahead = start_ms > now_ms && start_ms - now_ms <= within.count();
            if (ahead && (!best || start_ms < *best)) best = start_ms;
        }
    }
    if (!best) return std::nullopt;
    return from_unix_ms(*best);
}

const ScheduleWindow* window_at(const ScheduleSettings& settings, TimePoint now) {
    const std::int64_t now_s = floor_div(unix_ms(now), 1000);
    const std::int64_t local_min = floor_div(now_s + settings.offset_s_at(now_s), 60);
    const std::int64_t day = floor_div(local_min, 1440);
    const int minute = static_cast<int>(local_min - day * 1440);
    const int weekday = weekday_of(day);
    const int yesterday = (weekday + 6) % 7;
    for (const auto& w : settings.windows) {
        bool in = false;
        if (w.start_min < w.end_min) {
            in = (w.days >> weekday & 1u) && minute >= w.start_min && minute < w.end_min;
        } else {   // crosses midnight
            in = ((w.days >> weekday & 1u) && minute >= w.start_min) ||
                 ((w.days >> yesterday & 1u) && minute < w.end_min);
        }
        if (in) return &w;
    }
    return nullptr;
}

std::optional<Intent> SchedulePolicy::intent(const SiteSnapshot& snap) const {
    const ScheduleWindow* w = window_at(settings_, snap.now);
    if (!w) return std::nullopt;
    Intent i;
    i.mode = w->mode;
    i.cap_w = w->cap_w;
    i.reason = "schedule window \"" + w->text + "\"";
    return i;
}

Decision SchedulePolicy::decide(const SiteSnapshot& snap, const PolicyMemory&) const {
    return intent_or_paused(*this, snap, std::string(name()),
                            "outside every schedule window: paused");
}

}  // namespace hashsink::policies
