// Modbus register-map profiles: the profile's TOML (a file in the profiles directory), then
// the registers its blocks read, decoded into points and signals as read_profile does.
#include "adapters/sensors/profiles/modbus_profile.hpp"

#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::sensors::profiles;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::parts(fuzz::text(data, size), 2);
    auto profile = parse_profile(in[0], "fuzz", "fuzz.toml");
    if (!profile) return 0;
    const auto words = fuzz::registers(in[1]);
    std::size_t next = 0;
    std::map<std::pair<transport::RegisterTable, int>, std::uint16_t> regs;
    // read_profile runs these inside a try: an exception is an I/O error of the source.
    try {
        for (const auto& block : plan_blocks(*profile))
            for (int k = 0; k < block.count && next < words.size(); ++k)
                regs[{block.table, block.address + k}] = words[next++];
        const auto points = decode_points(*profile, regs);
        (void)signals_from(*profile, points);
    } catch (const std::exception&) {
    }
    return 0;
}
