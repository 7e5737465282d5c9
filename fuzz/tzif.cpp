// Time zones: TZif bytes (the zoneinfo files [site] timezone names), then local-time lookups
// across the zone's span and its POSIX rule.
#include "daemon/core/time_zone.hpp"
#include "fuzz/fuzz_input.hpp"

using hashsink::TimeZone;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = hashsink::fuzz::text(data, size);
    // Instants from 1900 to 2200: what a clock, a trace or a journal query may ask.
    constexpr std::int64_t instants[] = {
        -2'208'988'800LL, 0LL, 1'700'000'000LL, 1'711'846'800LL, 1'729'990'800LL, 7'258'118'400LL};
    if (auto rule = hashsink::PosixTzRule::parse(bytes))
        for (auto t : instants) (void)rule->offset_s_at(t);
    auto zone = TimeZone::from_tzif(bytes, "fuzz");
    if (!zone) return 0;
    for (auto t : instants) {
        (void)zone->offset_s_at(t);
        (void)zone->unix_s_of_local(t);
    }
    return 0;
}
