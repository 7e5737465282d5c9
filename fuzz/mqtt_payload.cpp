// MQTT payloads: a number at a JSON pointer (the first line of the input), the payload as a
// price schedule, and the slot lookups a price source makes.
#include "adapters/sensors/mqtt_payload.hpp"

#include "fuzz/fuzz_input.hpp"

using namespace hashsink::sensors::mqtt;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = hashsink::fuzz::text(data, size);
    const auto nl = in.find('\n');
    const std::string pointer(nl == std::string_view::npos ? std::string_view{} : in.substr(0, nl));
    const auto payload = nl == std::string_view::npos ? in : in.substr(nl + 1);
    (void)parse_number(payload, pointer);
    (void)parse_number(payload, "");
    (void)parse_iso8601(payload);
    auto slots = parse_slots(payload);
    if (!slots) return 0;
    for (const auto& s : *slots) {
        (void)slot_at(*slots, s.start);
        (void)slot_at(*slots, s.end);
    }
    return 0;
}
