#include "daemon/core/result.hpp"

namespace hashsink {

const char* to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::ok: return "ok";
        case ErrorCode::timeout: return "timeout";
        case ErrorCode::unreachable: return "unreachable";
        case ErrorCode::protocol: return "protocol";
        case ErrorCode::rejected: return "rejected";
        case ErrorCode::not_applied: return "not_applied";
        case ErrorCode::invalid: return "invalid";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::io: return "io";
    }
    return "unknown";
}

}  // namespace hashsink
