#include "daemon/config/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace hashsink::config {
namespace {
constexpr std::size_t kMaxShown = 64;
constexpr std::size_t kMaxCompared = 64;  // longer words are no typo of a key name
constexpr std::size_t kMaxCandidates = 256;  // bounds the work on files with thousands of ids
constexpr std::size_t kMaxListed = 12;
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            char ca = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i - 1])));
            char cb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[j - 1])));
            std::size_t cost = ca == cb ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
    if (word.size() > kMaxCompared) return std::nullopt;
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (std::size_t i = 0; i < candidates.size() && i < kMaxCandidates; ++i) {
        const std::string& c = candidates[i];
        std::size_t d = edit_distance(word, c);
        if (!best || d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    if (!best) return std::nullopt;
    // Plausible typo: a few edits, or the word contains the candidate (or vice versa).
    std::size_t limit = std::max<std::size_t>(2, std::min(word.size(), best->size()) / 3);
    bool contains = !word.empty() && (best->find(word) != std::string::npos ||
                                      word.find(*best) != std::string_view::npos);
    if (best_distance <= limit || (contains && best_distance <= best->size())) return best;
    return std::nullopt;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view what) {
    if (candidates.empty()) return {};
    if (auto c = closest(word, candidates)) return "; did you mean \"" + *c + "\"?";
    std::string out = " (" + std::string(what) + ": ";
    for (std::size_t i = 0; i < candidates.size() && i < kMaxListed; ++i)
        out += (i ? ", " : "") + candidates[i];
    if (candidates.size() > kMaxListed) out += ", ...";
    return out + ")";
}

std::string printable(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == kMaxShown) {
            // Do not cut a UTF-8 sequence in half.
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
                out.pop_back();
            if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string format_number(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
        return std::to_string(static_cast<long long>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string duration_text(long long ms) {
    if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
    if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string quoted(std::string_view text) { return "\"" + printable(text) + "\""; }

}  // namespace hashsink::config
