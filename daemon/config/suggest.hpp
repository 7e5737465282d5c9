// "Did you mean": the closest candidate by edit distance, and safe quoting of user text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hashsink::config {

// Optimal string alignment distance (adjacent transpositions count as one edit).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to word when it is close enough to be a plausible typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// " did you mean \"x\"?" or " (valid: a, b, c)" or "" when there are no candidates.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view what = "valid");

// User text in double quotes, control characters escaped, long text shortened.
std::string quoted(std::string_view text);
// User text escaped and shortened, without quotes (key names inside key paths).
std::string printable(std::string_view text);

// A number as the config writes it: whole numbers without decimals, others as %g.
std::string format_number(double v);

// "500ms", "5s", "2m", "1h", "30d": the shortest exact spelling of a duration.
std::string duration_text(long long ms);

}  // namespace hashsink::config
