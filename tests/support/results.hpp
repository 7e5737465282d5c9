// The error of a call that must fail: REQUIREs that it failed and returns its Status, for the
// checks on its code, message and retryable flag.
#pragma once

#include <catch2/catch.hpp>

#include "daemon/core/result.hpp"

namespace hashsink::test {

template <class T>
Status failed(const Result<T>& result) {
    REQUIRE_FALSE(result);
    return result.error();
}

inline Status failed(const Status& status) {
    REQUIRE_FALSE(status);
    return status;
}

}  // namespace hashsink::test
