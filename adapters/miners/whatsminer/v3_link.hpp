// Whatsminer API v3 on TCP 4433: the framing (each message, both ways, is a 4-byte
// little-endian length followed by that many bytes of JSON; one request per connection here),
// shared with the emulator's server (emulators/miners/whatsminer), and V3Link, the driver's
// link: reads, and writes signed with a token from the account's password and salt.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/miners/whatsminer/api_link.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners::whatsminer {

inline constexpr int kV3Port = 4433;
inline constexpr std::size_t kV3MaxFrameBytes = 1024 * 1024;

// Sends one framed request and returns the parsed reply object. Errors read "<cmd>: <cause>":
// connect refused or dropped -> unreachable, no whole reply in time -> timeout, a frame over
// the cap or not a JSON object -> protocol.
Result<nlohmann::json> v3_exchange(const std::string& host, int port, Duration timeout,
                                   const nlohmann::json& request) noexcept;

// The frame: the body behind its 4-byte little-endian length, and that length read back.
std::string v3_frame(const std::string& body);
std::uint32_t v3_frame_length(const char* head);
// Reads exactly n bytes: 1 done, 0 deadline passed, -1 closed or failed.
int v3_read_exact(int fd, char* out, std::size_t n, std::chrono::steady_clock::time_point deadline);
bool v3_write_all(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline);

struct V3Endpoint {
    std::string host;
    int port = kV3Port;
    Duration timeout{3000};
    std::string account = "super";  // signs the writes
};

class V3Link final : public ApiLink {
public:
    // `v2_client` (port 4028, outliving the link) still answers get_version on v3 firmware;
    // `clock` gives unix seconds for the write timestamps.
    V3Link(V3Endpoint endpoint, transport::CgminerClient& v2_client,
           std::function<std::time_t()> clock)
        : endpoint_(std::move(endpoint)), v2_client_(v2_client), clock_(std::move(clock)) {}

    // One read command; a reply with a non-zero code is rejected, "<cmd>: code N: msg".
    Result<nlohmann::json> call(const std::string& cmd, const nlohmann::json& param);

    Api api() const override { return Api::v3; }
    // get.device.info, get.miner.status summary.
    Result<Reading> read() override;
    // get_version on port 4028 when the firmware is still unknown.
    void complete_identity(Reading& r) override;

    // set.miner.service stop / start, set.miner.power_limit.
    Write command(Action action, long watts) const override;

    // The salt, from get.device.info salt.
    bool has_credentials() const override { return !salt_.empty(); }
    Status renew_credentials(const std::string& password) override;
    Result<nlohmann::json> write_once(const Write& write, const std::string& password) override;
    // A non-zero code; -4 (no permission) is a refusal of the credentials.
    Refusal refusal(const nlohmann::json& reply) const override;
    std::string credential_name() const override { return "salt"; }
    std::string signer() const override { return endpoint_.account; }

private:
    V3Endpoint endpoint_;
    transport::CgminerClient& v2_client_;
    std::function<std::time_t()> clock_;
    std::string salt_;
};

}  // namespace hashsink::miners::whatsminer
