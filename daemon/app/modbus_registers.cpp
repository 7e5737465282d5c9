#include "daemon/app/modbus_registers.hpp"

#include <algorithm>
#include <cmath>

namespace hashsink::app::modbus_map {
namespace {

constexpr int kHeader = 7;  // MBAP: transaction, protocol, length, unit

// Site state (input register 1).
enum class SiteState : std::uint16_t { idle, running, shed, fail_safe, emergency, starting };
// The Modbus limit (input register 5).
enum class LimitState : std::uint16_t { none, in_force, lapsed };

std::uint32_t u32(double v) {
    if (!std::isfinite(v)) return kNoneU32;
    return static_cast<std::uint32_t>(std::clamp(std::round(v), 0.0, 4'294'967'294.0));
}
std::uint32_t s32(std::optional<double> v) {
    if (!v || !std::isfinite(*v)) return kNoneS32;
    const double w = std::clamp(std::round(*v), -2'147'483'647.0, 2'147'483'647.0);
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(w));
}
void put32(std::vector<std::uint16_t>& r, int at, std::uint32_t v) {
    r[at] = static_cast<std::uint16_t>(v >> 16);
    r[at + 1] = static_cast<std::uint16_t>(v & 0xFFFF);
}

std::optional<double> fresh(const loop::LoopStatus& st, std::string_view signal, TimePoint now) {
    for (const auto& s : st.sources)
        for (const auto& [name, r] : s.readings)
            if (name == signal && r.fresh_at(now)) return r.value;
    return std::nullopt;
}

SiteState site_state(const Decision& d, int running) {
    if (d.emergency) return SiteState::emergency;
    if (d.fail_safe) return SiteState::fail_safe;
    if (d.shed) return SiteState::shed;
    return running > 0 ? SiteState::running : SiteState::idle;
}

template <class Rep, class Period>
std::uint16_t seconds(std::chrono::duration<Rep, Period> d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    return static_cast<std::uint16_t>(std::clamp<std::int64_t>(s, 0, kNoneU16 - 1));
}

// Registers 5 and 23: the Modbus limit's state and the seconds left before it lapses.
void limit_registers(std::vector<std::uint16_t>& r, const loop::LoopStatus& st, TimePoint now) {
    r[5] = static_cast<std::uint16_t>(LimitState::none);
    r[23] = kNoneU16;
    auto it = st.site_limits.find("modbus");
    if (it == st.site_limits.end()) return;
    const auto& limit = it->second;
    r[5] = static_cast<std::uint16_t>(limit.lapsed ? LimitState::lapsed : LimitState::in_force);
    if (limit.heartbeat > Duration{0})
        r[23] = limit.lapsed ? 0 : seconds(limit.refreshed + limit.heartbeat - now);
}

void site_block(std::vector<std::uint16_t>& r, const loop::LoopStatus& st, TimePoint now) {
    int online = 0, running = 0;
    double hashrate_ths = 0;
    for (const auto& m : st.miners) {
        online += m.online ? 1 : 0;
        running += m.target.run ? 1 : 0;
        if (m.online && m.state && m.state->hashrate_ths) hashrate_ths += *m.state->hashrate_ths;
    }
    r[1] = static_cast<std::uint16_t>(site_state(st.decision, running));
    r[2] = static_cast<std::uint16_t>(std::min<std::size_t>(st.miners.size(), kNoneU16));
    r[3] = static_cast<std::uint16_t>(online);
    r[4] = static_cast<std::uint16_t>(running);
    put32(r, 6, u32(st.measured_w));
    put32(r, 8, u32(st.planned_w));
    put32(r, 10, u32(st.decision.budget_w));
    put32(r, 12, st.site_limit_w ? u32(*st.site_limit_w) : kNoneU32);
    put32(r, 14, s32(fresh(st, signal::kGridPowerW, now)));
    put32(r, 16, s32(fresh(st, signal::kPvAcPowerW, now)));
    put32(r, 18, u32(hashrate_ths * 1000));
    put32(r, 20, static_cast<std::uint32_t>(st.tick));
    r[22] = seconds(now - st.at);
    limit_registers(r, st, now);
}

void miner_block(std::vector<std::uint16_t>& r, int at, const loop::MinerStatus& m) {
    const MinerState* s = m.online && m.state ? &*m.state : nullptr;
    // 0 offline, 1 mining, 2 paused, 3 overheated, 4 error.
    std::uint16_t state = 0;
    if (s && s->state == MinerRunState::mining) state = 1;
    if (s && s->state == MinerRunState::paused) state = 2;
    if (s && s->state == MinerRunState::overheated) state = 3;
    if (s && s->state == MinerRunState::error) state = 4;
    r[at] = state;
    r[at + 1] =
        static_cast<std::uint16_t>((m.online ? 1 : 0) | (m.target.run ? 2 : 0) |
                                   (m.target_applied ? 4 : 0) | (m.command.enabled ? 8 : 0));
    put32(r, at + 2, s && s->power_w ? u32(*s->power_w) : kNoneU32);
    put32(r, at + 4, m.target.run ? u32(m.target.power_w) : 0);
    put32(r, at + 6, s && s->hashrate_ths ? u32(*s->hashrate_ths * 1000) : kNoneU32);
    const auto temp = s && s->chip_temp_c ? s32(*s->chip_temp_c * 10) : kNoneS32;
    r[at + 8] = temp == kNoneS32 ? 0x8000 : static_cast<std::uint16_t>(temp & 0xFFFF);
}

}  // namespace

std::vector<std::uint16_t> input_registers(const loop::LoopStatus* status, TimePoint now) {
    const std::size_t miners = status ? status->miners.size() : 0;
    std::vector<std::uint16_t> r(kMinerBase + kMinerStride * miners, 0);
    r[0] = kVersion;
    if (status == nullptr) {
        r[1] = static_cast<std::uint16_t>(SiteState::starting);
        return r;
    }
    site_block(r, *status, now);
    for (std::size_t i = 0; i < miners; ++i)
        miner_block(r, kMinerBase + kMinerStride * static_cast<int>(i), status->miners[i]);
    return r;
}

std::vector<std::uint16_t> holding_registers(const Holding& holding,
                                             const config::ModbusServerSection& settings) {
    std::vector<std::uint16_t> r(kHoldingCount, 0);
    put32(r, kLimitHigh - kHoldingBase, holding.limit_w.value_or(kNoneU32));
    r[kEnable - kHoldingBase] = holding.enabled ? 1 : 0;
    r[kHeartbeat - kHoldingBase] = holding.heartbeat;
    r[kTimeout - kHoldingBase] = seconds(settings.heartbeat_timeout);
    put32(r, kFailsafeHigh - kHoldingBase, u32(settings.failsafe_limit_w));
    return r;
}

WriteOutcome write(const Holding& holding, int address, const std::vector<std::uint16_t>& values) {
    const int end = address + static_cast<int>(values.size());
    // The limit's two halves go together; read-only and unknown registers take no write.
    const bool covers_high = address <= kLimitHigh && end > kLimitHigh;
    const bool covers_low = address <= kLimitHigh + 1 && end > kLimitHigh + 1;
    const bool splits_limit = covers_high != covers_low;
    if (address < kHoldingBase || end > kWritableEnd || values.empty() || splits_limit)
        return {Refusal::illegal_address, holding};
    WriteOutcome out{Refusal::none, holding};
    for (int a = address; a < end; ++a) {
        const std::uint16_t v = values[a - address];
        if (a == kLimitHigh) {
            const std::uint32_t w = (std::uint32_t{v} << 16) | values[a - address + 1];
            if (w > kMaxLimitW) return {Refusal::illegal_value, holding};
            out.next.limit_w = w;
            out.next.enabled = true;  // writing the limit puts it in force
            ++a;
        } else if (a == kEnable) {
            if (v > 1 || (v == 1 && !out.next.limit_w)) return {Refusal::illegal_value, holding};
            out.next.enabled = v == 1;
        } else if (a == kHeartbeat) {
            out.next.heartbeat = v;
        }
    }
    return out;
}

std::optional<WriteRequest> parse_write(const std::uint8_t* frame, int length) {
    if (length < kHeader + 1) return std::nullopt;
    const std::uint8_t* pdu = frame + kHeader;
    const int pdu_length = length - kHeader;
    auto word = [&](int at) { return static_cast<int>((pdu[at] << 8) | pdu[at + 1]); };
    switch (pdu[0]) {
        case 0x06: {  // write single register
            if (pdu_length != 5) return WriteRequest{Refusal::illegal_value};
            return WriteRequest{Refusal::none, word(1), {static_cast<std::uint16_t>(word(3))}};
        }
        case 0x10: {  // write multiple registers
            if (pdu_length < 6) return WriteRequest{Refusal::illegal_value};
            const int count = word(3);
            const int bytes = pdu[5];
            if (count < 1 || count > 123 || bytes != 2 * count || pdu_length != 6 + bytes)
                return WriteRequest{Refusal::illegal_value};
            WriteRequest request{Refusal::none, word(1), {}};
            for (int i = 0; i < count; ++i)
                request.values.push_back(static_cast<std::uint16_t>(word(6 + 2 * i)));
            return request;
        }
        case 0x16:  // mask write register
        case 0x17:  // read/write multiple registers
            return WriteRequest{Refusal::illegal_function};
        default:
            return std::nullopt;
    }
}

}  // namespace hashsink::app::modbus_map
