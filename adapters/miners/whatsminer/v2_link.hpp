// Whatsminer API v2 on TCP 4028: cgminer-style reads; writes sealed with a token from
// get_token (AES-256-ECB envelope, see whatsminer_codec.hpp).
#pragma once

#include <optional>
#include <string>

#include "adapters/miners/whatsminer/api_link.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::whatsminer {

class V2Link final : public ApiLink {
public:
    // `client` talks to port 4028 and outlives the link.
    explicit V2Link(transport::CgminerClient& client) : client_(client) {}

    Api api() const override { return Api::v2; }
    // summary, status, devs (frequency, optional).
    Result<Reading> read() override;
    // get_version, devdetails.
    void complete_identity(Reading& r) override;

    // power_off (respbefore), power_on, adjust_power_limit (the watts as a string).
    Write command(Action action, long watts) const override;

    bool has_credentials() const override { return token_.has_value(); }
    Status renew_credentials(const std::string& password) override;
    Result<nlohmann::json> write_once(const Write& write, const std::string& password) override;
    // STATUS E or F; 135 (token expired), 23 (did not decrypt: wrong password) and 45 (write
    // refused) are refusals of the credentials.
    Refusal refusal(const nlohmann::json& reply) const override;
    void credentials_refused() override { token_.reset(); }
    std::string credential_name() const override { return "token"; }
    std::string signer() const override { return "admin"; }

private:
    transport::CgminerClient& client_;
    std::optional<V2Token> token_;
};

}  // namespace hashsink::miners::whatsminer
