#include "daemon/core/severity.hpp"

namespace hashsink {

const char* to_string(Severity s) noexcept {
    switch (s) {
        case Severity::info: return "info";
        case Severity::notice: return "notice";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "info";
}

std::optional<Severity> parse_severity(std::string_view text) noexcept {
    if (text == "info") return Severity::info;
    if (text == "notice") return Severity::notice;
    if (text == "warning") return Severity::warning;
    if (text == "error") return Severity::error;
    return std::nullopt;
}

}  // namespace hashsink
