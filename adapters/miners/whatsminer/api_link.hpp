// One Whatsminer API generation as the driver uses it: the reading, the write credentials and
// the commands of the writes. V2Link (TCP 4028, encrypted writes) and V3Link (TCP 4433,
// token-signed writes) implement it; the driver picks one at probe and calls it without asking
// which it is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "adapters/miners/whatsminer/whatsminer_codec.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners::whatsminer {

// What the driver writes.
enum class Action { power_off, power_on, power_limit };

// A write command and its parameter, as the API names them.
struct Write {
    std::string cmd;
    nlohmann::json param;
};

// Why a reply refuses a write ("" when it does not), and whether the credentials were refused
// (then renewing them may help).
struct Refusal {
    std::string reason;
    bool credentials = false;
};

class ApiLink {
public:
    virtual ~ApiLink() = default;
    virtual Api api() const = 0;

    // The normalised reading; an error reads "<command>: <cause>".
    virtual Result<Reading> read() = 0;
    // At probe, what read() leaves out: the version and the model, where the API has them.
    virtual void complete_identity(Reading& r) = 0;

    // The command that does `action` (power_limit: to `watts`).
    virtual Write command(Action action, long watts) const = 0;

    // The write credentials: whether there are any, and fetching them again (errors read
    // "<command>: <cause>"). They are never logged.
    virtual bool has_credentials() const = 0;
    virtual Status renew_credentials(const std::string& password) = 0;
    // One write with the current credentials: the reply as it came, refusals included.
    virtual Result<nlohmann::json> write_once(const Write& write, const std::string& password) = 0;
    virtual Refusal refusal(const nlohmann::json& reply) const = 0;
    // After a refusal of the credentials: drops those that must be fetched before any further
    // write (the v2 token; the v3 salt is kept and renewed by the next refusal).
    virtual void credentials_refused() {}
    // What a renewal fetches ("token", "salt") and whose password signs the writes.
    virtual std::string credential_name() const = 0;
    virtual std::string signer() const = 0;
};

}  // namespace hashsink::miners::whatsminer
