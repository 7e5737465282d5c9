// The cgminer-style JSON API on TCP 4028 (cgminer, bmminer, LuxOS, Avalon, Whatsminer v2, ...):
// one request per connection, the reply ends with a NUL or with the peer closing. Errors as
// values, bounded time and memory, tolerant of the malformed JSON real firmware emits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/transport/json_fields.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::transport {

inline constexpr int kCgminerPort = 4028;

struct CgminerClientOptions {
    Duration timeout{2000};                        // connect + send + whole reply
    std::size_t max_reply_bytes = 2 * 1024 * 1024; // larger replies are refused
};

// Stateless between calls (a new connection each time), so one instance may be shared.
//
// Errors (messages read "<command>: <cause>", the caller adds its "<driver> <id>: " prefix):
//   connect refused / reset        -> unreachable (retryable)
//   no complete reply in time      -> timeout (retryable)
//   reply over the cap, bad JSON   -> protocol
//   STATUS "E" or "F" (command())  -> rejected, with Code and Msg (not retryable)
class CgminerClient {
public:
    CgminerClient(std::string host, int port = kCgminerPort, CgminerClientOptions options = {});

    // Sends `request` as is and returns the raw reply with the trailing NUL (and anything
    // after it) removed. An empty string when the peer closed without replying (Avalon
    // `softon` does that on success).
    Result<std::string> exchange(std::string_view request) noexcept;

    // {"command":cmd,"parameter":parameter} (no "parameter" when empty), reply repaired and
    // parsed. The JSON must be an object. STATUS is not checked.
    Result<nlohmann::json> request(std::string_view command,
                                   std::string_view parameter = {}) noexcept;

    // request() plus the STATUS check: "E"/"F" become `rejected` naming Code and Msg.
    Result<nlohmann::json> command(std::string_view command,
                                   std::string_view parameter = {}) noexcept;

    const std::string& host() const { return host_; }
    int port() const { return port_; }
    Duration timeout() const { return options_.timeout; }

private:
    std::string host_;
    int port_;
    CgminerClientOptions options_;
};

// The first STATUS entry of a reply: STATUS is usually [{"STATUS":"S","Code":11,"Msg":..,
// "Description":..}], but a string in Whatsminer's {"STATUS":"S","Code":131,"Msg":..} envelope.
struct CgminerStatus {
    bool present = false;
    std::string status;        // "S", "I", "W", "E", "F"
    long code = 0;
    std::string msg;
    std::string description;   // e.g. "cgminer 4.11.1", "LUXminer 2025.4.8..."
};
CgminerStatus reply_status(const nlohmann::json& reply);

// Ok unless STATUS is "E" or "F" (rejected: "<what>: STATUS E code N: <Msg>").
Status check_reply(const nlohmann::json& reply, std::string_view what);

// The repairs real firmware needs (pyasic _load_api_data, done token-aware so string contents
// are left alone): trailing NUL, a leading comma, commas before } or ], missing commas in
// `}{`, `]{`, `""`, raw control characters inside strings, bare inf/nan (-> null), and a
// truncated reply closed at its last complete element.
std::string repair_cgminer_json(std::string_view raw);

// Strict parse first, then the repaired text. `what` names the command in the error.
Result<nlohmann::json> parse_cgminer_reply(std::string_view raw, std::string_view what);

// Section helpers: reply["SUMMARY"][0] etc. as an object, or null when absent/not an object.
const nlohmann::json& first_of(const nlohmann::json& reply, const char* section);


}  // namespace hashsink::transport
