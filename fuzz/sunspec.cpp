// SunSpec: one model's registers (from its ID register on) as a device answers them.
#include "adapters/sensors/sunspec/decoder.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink::sensors::sunspec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto regs = hashsink::fuzz::registers(hashsink::fuzz::text(data, size));
    auto model = decode_model(regs);
    if (!model) return 0;
    (void)to_json(*model).dump();
    for (const char* name : {"W", "A", "Hz", "WH", "St", "SoC", "Mn", "Md", "SN", "DCW"}) {
        (void)model->number(name);
        (void)model->text(name);
    }
    for (const auto& group : model->groups) (void)number(group, "DCW");
    return 0;
}
