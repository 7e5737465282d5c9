// Simulator traces: CSV text (`hashsink simulate --trace`), then every column read across
// and beyond its span.
#include "fuzz/fuzz_input.hpp"
#include "sim/trace.hpp"

using namespace hashsink::sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = hashsink::fuzz::text(data, size);
    (void)parse_time_s(in);
    auto trace = parse_trace(in, "fuzz");
    if (!trace) return 0;
    const double start = trace->start_s(), end = trace->end_s();
    for (std::size_t c = 0; c < kColumnCount; ++c)
        for (double t : {start - 60, start, (start + end) / 2, end, end + 60})
            (void)trace->at(static_cast<Column>(c), t);
    return 0;
}
