// Whatsminer API v2 (cgminer-style on 4028): the replies the link decodes, and an encrypted
// reply's "enc" text opened with a token's key.
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::whatsminer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::text(data, size);
    static const V2Token token = v2_token("admin", "BQ5hoXV9", "1700000000", "fQ8ClSGr");
    (void)v2_open(token.aes_key, in);
    auto reply = transport::parse_cgminer_reply(in, "fuzz");
    if (!reply) return 0;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        if (auto it = reply->find("enc"); it != reply->end() && it->is_string())
            (void)v2_open(token.aes_key, it->get<std::string>());
        if (auto v = decode_v2_version(*reply)) (void)api_for(*v);
        Reading r;
        decode_v2_summary(*reply, r);
        decode_v2_devs(*reply, r);
        decode_v2_status(*reply, r);
        decode_v2_devdetails(*reply, r);
        decode_v2_errors(*reply, r);
    } catch (const std::exception&) {
    }
    return 0;
}
