// Antminer stock firmware: the CGI bodies (get_miner_conf, set_miner_conf's reply, summary,
// stats) and the set_miner_conf body built from a read configuration.
#include "adapters/miners/antminer/antminer_codec.hpp"
#include "adapters/miners/json_fields.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::antminer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::text(data, size);
    (void)check_set_conf_reply(in);
    auto body = miners::parse_object(in, "fuzz");
    if (!body) return 0;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        if (auto mode = decode_work_mode(*body)) (void)set_conf_body(*body, *mode);
        (void)set_conf_body(*body, WorkMode::sleep);
        Telemetry t;
        decode_summary(*body, t);
        decode_stats(*body, t);
    } catch (const std::exception&) {
    }
    return 0;
}
