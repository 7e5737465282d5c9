// Status and Result: device and network errors as values (a subset of std::expected's API,
// which g++ 12 lacks).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace hashsink {

enum class ErrorCode {
    ok = 0,
    timeout,        // the peer did not answer within the deadline
    unreachable,    // connect failed or the connection dropped
    protocol,       // the peer answered with something we cannot parse
    rejected,       // the peer refused the request (HTTP 4xx/5xx, Modbus exception)
    not_applied,    // a write was acknowledged but reading back shows it did not take
    invalid,        // bad input on our side (config, argument)
    unsupported,    // the device cannot do what was asked
    io,             // local I/O (file, database)
};

const char* to_string(ErrorCode code) noexcept;

struct Status {
    ErrorCode code = ErrorCode::ok;
    std::string message;
    bool retryable = false;

    static Status success() { return {}; }
    static Status error(ErrorCode c, std::string msg, bool retry = true) {
        return Status{c, std::move(msg), retry};
    }
    bool ok() const noexcept { return code == ErrorCode::ok; }
    explicit operator bool() const noexcept { return ok(); }
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
    Result(Status error) : v_(std::move(error)) {     // NOLINT(google-explicit-constructor)
        assert(!std::get<Status>(v_).ok() && "a Result error must not be ok");
    }

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

    const Status& error() const& { return std::get<Status>(v_); }

private:
    std::variant<T, Status> v_;
};

}  // namespace hashsink
