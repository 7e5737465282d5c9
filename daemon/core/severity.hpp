// How much an event matters to an operator. Shared by the loop, the journal and the web page.
#pragma once

#include <optional>
#include <string_view>

namespace hashsink {

enum class Severity { info, notice, warning, error };
const char* to_string(Severity s) noexcept;
std::optional<Severity> parse_severity(std::string_view text) noexcept;

}  // namespace hashsink
