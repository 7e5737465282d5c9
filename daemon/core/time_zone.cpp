#include "daemon/core/time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace hashsink {
namespace {

constexpr std::int64_t kDayS = 86'400;
// No zone is further than a day from UTC (the TZif limit is just under 25 h).
constexpr std::int64_t kMaxOffsetS = 25 * 3600;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// ---- POSIX TZ strings ----

class TextCursor {
public:
    explicit TextCursor(std::string_view text) : text_(text) {}
    bool done() const { return i_ >= text_.size(); }
    char peek() const { return done() ? '\0' : text_[i_]; }
    bool eat(char c) {
        if (peek() != c || done()) return false;
        ++i_;
        return true;
    }
    // Up to max_digits decimal digits; nullopt when there are none.
    std::optional<int> number(int max_digits) {
        int n = 0, digits = 0;
        while (!done() && std::isdigit(static_cast<unsigned char>(peek())) && digits < max_digits) {
            n = n * 10 + (peek() - '0');
            ++i_;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        return n;
    }
    // A zone abbreviation: three or more letters, or <...> with letters, digits, + and -.
    bool abbreviation() {
        std::size_t n = 0;
        if (eat('<')) {
            while (!done() && peek() != '>') {
                const char c = peek();
                if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-') return false;
                ++i_;
                ++n;
            }
            return eat('>') && n >= 1;
        }
        while (!done() && std::isalpha(static_cast<unsigned char>(peek()))) {
            ++i_;
            ++n;
        }
        return n >= 3;
    }
    // [+-]hh[:mm[:ss]] with hh up to max_hours: seconds, or nullopt when malformed.
    std::optional<std::int64_t> clock(int max_hours) {
        int sign = 1;
        if (eat('-')) sign = -1;
        else eat('+');
        auto h = number(3);
        if (!h || *h > max_hours) return std::nullopt;
        std::int64_t s = *h * 3600LL;
        if (eat(':')) {
            auto m = number(2);
            if (!m || *m > 59) return std::nullopt;
            s += *m * 60LL;
            if (eat(':')) {
                auto sec = number(2);
                if (!sec || *sec > 59) return std::nullopt;
                s += *sec;
            }
        }
        return sign * s;
    }

private:
    std::string_view text_;
    std::size_t i_ = 0;
};

std::optional<PosixTzRule::Date> parse_date(TextCursor& in) {
    using Kind = PosixTzRule::Date::Kind;
    PosixTzRule::Date d;
    if (in.eat('M')) {
        d.kind = Kind::month_week_day;
        auto m = in.number(2);
        if (!m || *m < 1 || *m > 12 || !in.eat('.')) return std::nullopt;
        auto w = in.number(1);
        if (!w || *w < 1 || *w > 5 || !in.eat('.')) return std::nullopt;
        auto wd = in.number(1);
        if (!wd || *wd > 6) return std::nullopt;
        d.month = *m;
        d.week = *w;
        d.day = *wd;
    } else if (in.eat('J')) {
        d.kind = Kind::julian_no_leap;
        auto n = in.number(3);
        if (!n || *n < 1 || *n > 365) return std::nullopt;
        d.day = *n;
    } else {
        d.kind = Kind::day_of_year;
        auto n = in.number(3);
        if (!n || *n > 365) return std::nullopt;
        d.day = *n;
    }
    if (in.eat('/')) {
        auto t = in.clock(167);   // RFC 8536 allows -167..167 hours here
        if (!t) return std::nullopt;
        d.time_s = *t;
    }
    return d;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// The local time (seconds since 1970-01-01T00:00 local) a rule date names in year y.
std::int64_t local_s_of(const PosixTzRule::Date& d, int y) {
    using namespace std::chrono;
    using Kind = PosixTzRule::Date::Kind;
    sys_days day{};
    const year yr{y};
    switch (d.kind) {
        case Kind::julian_no_leap:
            day = sys_days{yr / January / 1} + days{d.day - 1 + (is_leap(y) && d.day >= 60 ? 1 : 0)};
            break;
        case Kind::day_of_year:
            day = sys_days{yr / January / 1} + days{d.day};
            break;
        case Kind::month_week_day: {
            const auto m = month{static_cast<unsigned>(d.month)};
            const auto wd = weekday{static_cast<unsigned>(d.day)};
            day = d.week == 5 ? sys_days{yr / m / wd[last]}
                              : sys_days{yr / m / wd[static_cast<unsigned>(d.week)]};
            break;
        }
    }
    return day.time_since_epoch().count() * kDayS + d.time_s;
}

int civil_year(std::int64_t local_s) {
    using namespace std::chrono;
    const sys_days day{days{floor_div(local_s, kDayS)}};
    return static_cast<int>(year_month_day{day}.year());
}

// ---- TZif ----

class ByteCursor {
public:
    explicit ByteCursor(std::string_view bytes) : bytes_(bytes) {}
    std::size_t left() const { return bytes_.size() - i_; }
    std::size_t at() const { return i_; }
    bool skip(std::uint64_t n) {
        if (n > left()) return false;
        i_ += static_cast<std::size_t>(n);
        return true;
    }
    std::string_view take(std::size_t n) {
        std::string_view s = bytes_.substr(i_, n);
        i_ += n;
        return s;
    }
    // Big-endian signed integers; callers check left() first.
    std::int64_t be(int width) {
        std::uint64_t v = 0;
        for (int k = 0; k < width; ++k) v = v << 8 | static_cast<unsigned char>(bytes_[i_++]);
        if (width < 8 && (v >> (8 * width - 1) & 1u)) v |= ~std::uint64_t{0} << (8 * width);
        return static_cast<std::int64_t>(v);
    }
    std::uint8_t byte() { return static_cast<std::uint8_t>(bytes_[i_++]); }

private:
    std::string_view bytes_;
    std::size_t i_ = 0;
};

struct TzifHeader {
    char version = 0;
    std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

    // The data block's size with `time_size`-byte times.
    std::uint64_t block_bytes(int time_size) const {
        return std::uint64_t{timecnt} * (time_size + 1) + std::uint64_t{typecnt} * 6 + charcnt +
               std::uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
    }
};

std::optional<TzifHeader> read_header(ByteCursor& in, std::string* why) {
    if (in.left() < 44) {
        *why = "truncated header";
        return std::nullopt;
    }
    if (in.take(4) != "TZif") {
        *why = "not a TZif file (bad magic)";
        return std::nullopt;
    }
    TzifHeader h;
    h.version = static_cast<char>(in.byte());
    if (h.version != '\0' && (h.version < '2' || h.version > '9')) {
        *why = "unknown version";
        return std::nullopt;
    }
    in.skip(15);
    auto count = [&] { return static_cast<std::uint32_t>(in.be(4)); };
    h.isutcnt = count();
    h.isstdcnt = count();
    h.leapcnt = count();
    h.timecnt = count();
    h.typecnt = count();
    h.charcnt = count();
    if (h.typecnt == 0 || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
        (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
        *why = "inconsistent counts in the header";
        return std::nullopt;
    }
    return h;
}

Status tzif_error(const std::string& name, const std::string& cause) {
    return Status::error(ErrorCode::invalid, "time zone " + name + ": parse TZif: " + cause, false);
}

}  // namespace

Result<PosixTzRule> PosixTzRule::parse(std::string_view text) {
    auto bad = [&](const char* what) {
        return Status::error(ErrorCode::invalid,
                             std::string("POSIX TZ rule \"") + std::string(text.substr(0, 64)) +
                                 "\": " + what,
                             false);
    };
    TextCursor in(text);
    PosixTzRule r;
    if (!in.abbreviation()) return bad("expected a zone abbreviation");
    auto std_off = in.clock(24);
    if (!std_off) return bad("expected the standard offset");
    r.std_offset_s = -*std_off;
    if (in.done()) return r;
    if (!in.abbreviation()) return bad("expected a daylight saving abbreviation");
    r.has_dst = true;
    r.dst_offset_s = r.std_offset_s + 3600;
    if (!in.done() && in.peek() != ',') {
        auto dst_off = in.clock(24);
        if (!dst_off) return bad("bad daylight saving offset");
        r.dst_offset_s = -*dst_off;
    }
    // TZif footers always state the rule; a default would be a guess.
    if (!in.eat(',')) return bad("expected the daylight saving rule");
    auto start = parse_date(in);
    if (!start || !in.eat(',')) return bad("bad start of daylight saving");
    auto end = parse_date(in);
    if (!end) return bad("bad end of daylight saving");
    if (!in.done()) return bad("unexpected text after the rule");
    r.start = *start;
    r.end = *end;
    return r;
}

std::int64_t PosixTzRule::offset_s_at(std::int64_t unix_s) const {
    if (!has_dst) return std_offset_s;
    const int y = civil_year(unix_s + std_offset_s);
    const std::int64_t begin = local_s_of(start, y) - std_offset_s;
    const std::int64_t finish = local_s_of(end, y) - dst_offset_s;
    const bool dst = begin < finish ? unix_s >= begin && unix_s < finish    // northern
                                    : !(unix_s >= finish && unix_s < begin);  // southern
    return dst ? dst_offset_s : std_offset_s;
}

TimeZone TimeZone::fixed(std::chrono::minutes offset, std::string name) {
    TimeZone z;
    z.initial_offset_s_ = std::chrono::duration_cast<std::chrono::seconds>(offset).count();
    if (name.empty()) {
        const std::int64_t m = offset.count(), a = m < 0 ? -m : m;
        char buf[32];
        std::snprintf(buf, sizeof buf, "UTC%c%02lld:%02lld", m < 0 ? '-' : '+',
                      static_cast<long long>(a / 60), static_cast<long long>(a % 60));
        name = m == 0 ? "UTC" : buf;
    }
    z.name_ = std::move(name);
    return z;
}

Result<TimeZone> TimeZone::from_tzif(std::string_view bytes, std::string name) {
    std::string why;
    ByteCursor in(bytes);
    auto h = read_header(in, &why);
    if (!h) return tzif_error(name, why);
    int time_size = 4;
    if (h->version != '\0') {
        // Version 2 and later repeat the data with 64-bit times after the version 1 block.
        if (!in.skip(h->block_bytes(4))) return tzif_error(name, "truncated version 1 data");
        h = read_header(in, &why);
        if (!h) return tzif_error(name, "version 2 header: " + why);
        time_size = 8;
    }
    if (h->block_bytes(time_size) > in.left()) return tzif_error(name, "truncated data block");

    TimeZone z;
    z.name_ = std::move(name);
    std::vector<std::int64_t> times(h->timecnt);
    for (auto& t : times) t = in.be(time_size);
    for (std::size_t i = 1; i < times.size(); ++i)
        if (times[i] <= times[i - 1]) return tzif_error(z.name_, "transition times not ascending");
    std::vector<std::uint8_t> type_of(h->timecnt);
    for (auto& t : type_of) {
        t = in.byte();
        if (t >= h->typecnt) return tzif_error(z.name_, "transition names an unknown type");
    }
    std::vector<std::int64_t> type_offset_s(h->typecnt);
    for (auto& off : type_offset_s) {
        off = in.be(4);
        in.skip(2);   // isdst, abbreviation index: not needed for offsets
        if (off < -kMaxOffsetS || off > kMaxOffsetS)
            return tzif_error(z.name_, "offset out of range");
    }
    // Abbreviations, leap seconds and the standard/UT indicators are not needed for offsets.
    // (Leap-second "right/" zones then read up to half a minute off; tzdata's usual zones have
    // none.)
    in.skip(std::uint64_t{h->charcnt} + std::uint64_t{h->leapcnt} * (time_size + 4) +
            h->isstdcnt + h->isutcnt);

    z.initial_offset_s_ = type_offset_s[0];
    auto transitions = std::make_shared<Transitions>();
    transitions->at_s = std::move(times);
    transitions->offset_s.reserve(type_of.size());
    for (auto t : type_of) transitions->offset_s.push_back(type_offset_s[t]);
    if (!transitions->at_s.empty()) z.transitions_ = std::move(transitions);

    if (time_size == 8) {
        // Footer: "\n" TZ string "\n"; an empty string means no rule.
        if (in.left() < 2 || in.byte() != '\n') return tzif_error(z.name_, "missing footer");
        const std::string_view rest = in.take(in.left());
        const auto nl = rest.find('\n');
        if (nl == std::string_view::npos) return tzif_error(z.name_, "unterminated footer");
        const std::string_view tz = rest.substr(0, nl);
        if (!tz.empty()) {
            auto rule = PosixTzRule::parse(tz);
            if (!rule) return tzif_error(z.name_, "footer: " + rule.error().message);
            if (rule->std_offset_s < -kMaxOffsetS || rule->std_offset_s > kMaxOffsetS ||
                rule->dst_offset_s < -kMaxOffsetS || rule->dst_offset_s > kMaxOffsetS)
                return tzif_error(z.name_, "footer: offset out of range");
            z.footer_ = *rule;
        }
    }
    return z;
}

std::int64_t TimeZone::offset_s_at(std::int64_t unix_s) const {
    if (!transitions_) return footer_ ? footer_->offset_s_at(unix_s) : initial_offset_s_;
    const auto& at = transitions_->at_s;
    if (unix_s < at.front()) return initial_offset_s_;
    if (unix_s >= at.back() && footer_) return footer_->offset_s_at(unix_s);
    const auto it = std::upper_bound(at.begin(), at.end(), unix_s);
    return transitions_->offset_s[static_cast<std::size_t>(it - at.begin()) - 1];
}

std::chrono::minutes TimeZone::offset_at(TimePoint t) const {
    const std::int64_t s = floor_div(unix_ms(t), 1000);
    return std::chrono::minutes{floor_div(offset_s_at(s), 60)};
}

std::int64_t TimeZone::unix_s_of_local(std::int64_t local_s) const {
    // The offsets around: no zone changes twice within a few days, and no offset exceeds a day.
    const std::int64_t before = offset_s_at(local_s - 2 * kDayS);
    const std::int64_t after = offset_s_at(local_s + 2 * kDayS);
    std::optional<std::int64_t> best;
    for (const std::int64_t off : {before, after}) {
        const std::int64_t u = local_s - off;
        if (offset_s_at(u) == off && (!best || u < *best)) best = u;
    }
    if (best) return *best;
    // Skipped: the first instant whose local time is at or past local_s, by bisection between
    // one before the change and one after it.
    std::int64_t lo = local_s - std::max(before, after), hi = local_s - std::min(before, after);
    if (lo > hi) std::swap(lo, hi);
    if (hi + offset_s_at(hi) < local_s) return local_s - before;   // not a simple gap
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (mid + offset_s_at(mid) >= local_s) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

}  // namespace hashsink
