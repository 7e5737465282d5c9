#include "emulators/sensors/sunspec_emulator.hpp"

#include <modbus/modbus.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <thread>

#include "adapters/sensors/sunspec/chain.hpp"
#include "adapters/sensors/sunspec/decoder.hpp"
#include "adapters/sensors/sunspec/model_table.hpp"

namespace hashsink::sensors::sunspec {
namespace {

// Scale factors the emulator serves (others are 0): enough to exercise the decoder's scaling.
const std::map<std::string, int> kScaleFactors = {
    {"A_SF", -2}, {"V_SF", -1}, {"Hz_SF", -2}, {"PF_SF", -2}, {"DCA_SF", -2},
    {"DCV_SF", -1}, {"Tmp_SF", -1},
};

constexpr double kModuleVoltageV = 350;

std::uint16_t sentinel(PointType t, int word) {
    switch (t) {
        case PointType::int16:
        case PointType::sunssf: return 0x8000;
        case PointType::int32: return word == 0 ? 0x8000 : 0x0000;
        case PointType::float32: return word == 0 ? 0x7FC0 : 0x0000;
        case PointType::acc16:
        case PointType::acc32:
        case PointType::count:
        case PointType::pad:
        case PointType::string: return 0;
        default: return 0xFFFF;
    }
}

// Encodes raw (already divided by 10^sf) into the point's registers, clamped to the type's range
// and never onto a sentinel.
void encode(const PointDef& p, double raw, std::uint16_t* r) {
    auto clamp = [&](double lo, double hi) { return std::clamp(std::round(raw), lo, hi); };
    switch (p.type) {
        case PointType::int16:
        case PointType::sunssf:
            r[0] = static_cast<std::uint16_t>(static_cast<std::int16_t>(clamp(-32767, 32767)));
            return;
        case PointType::uint16:
        case PointType::enum16:
        case PointType::bitfield16:
            r[0] = static_cast<std::uint16_t>(clamp(0, 65534));
            return;
        case PointType::count:
        case PointType::acc16:
            r[0] = static_cast<std::uint16_t>(clamp(0, 65535));
            return;
        case PointType::int32: {
            auto v = static_cast<std::uint32_t>(
                static_cast<std::int32_t>(clamp(-2147483647.0, 2147483647.0)));
            r[0] = static_cast<std::uint16_t>(v >> 16);
            r[1] = static_cast<std::uint16_t>(v & 0xFFFF);
            return;
        }
        case PointType::acc32:
        case PointType::uint32:
        case PointType::enum32:
        case PointType::bitfield32: {
            auto v = static_cast<std::uint32_t>(clamp(0, 4294967294.0));
            r[0] = static_cast<std::uint16_t>(v >> 16);
            r[1] = static_cast<std::uint16_t>(v & 0xFFFF);
            return;
        }
        case PointType::float32: {
            float f = static_cast<float>(raw);
            std::uint32_t bits;
            std::memcpy(&bits, &f, sizeof bits);
            r[0] = static_cast<std::uint16_t>(bits >> 16);
            r[1] = static_cast<std::uint16_t>(bits & 0xFFFF);
            return;
        }
        case PointType::string:
        case PointType::pad:
            return;
    }
}

std::uint16_t inverter_model(const EmulatorOptions& o) { return o.float_models ? 113 : 103; }
std::uint16_t meter_model(const EmulatorOptions& o) { return o.float_models ? 213 : 203; }

}  // namespace

SunspecEmulator::SunspecEmulator(EmulatorOptions options) : options_(std::move(options)) {
    options_.mppt_count = std::clamp(options_.mppt_count, 0, 20);
    if (options_.common_length != 65) options_.common_length = 66;
    build();
    std::lock_guard lock(mu_);
    render_locked();
}

SunspecEmulator::~SunspecEmulator() {
    stop();
    for (auto& u : units_)
        if (u.mapping != nullptr) modbus_mapping_free(u.mapping);
}

void SunspecEmulator::build() {
    // Lays out each unit's chain from the tables: SunS, models, end marker.
    std::vector<std::vector<std::pair<std::uint16_t, std::uint16_t>>> chains(1);
    auto length = [](std::uint16_t id) {
        return static_cast<std::uint16_t>(find_model(id)->fixed_length - 2);
    };
    chains[0].push_back({1, static_cast<std::uint16_t>(options_.common_length)});
    chains[0].push_back({inverter_model(options_), length(inverter_model(options_))});
    chains[0].push_back({120, length(120)});
    chains[0].push_back({121, length(121)});
    chains[0].push_back({123, length(123)});
    if (options_.mppt_count > 0) {
        auto l = length(160) + options_.mppt_count * find_model(160)->repeating->length;
        chains[0].push_back({160, static_cast<std::uint16_t>(l)});
    }
    bool separate_meter = options_.include_meter && options_.meter_unit_id > 0;
    if (options_.include_meter && !separate_meter)
        chains[0].push_back({meter_model(options_), length(meter_model(options_))});
    if (separate_meter) {
        chains.emplace_back();
        chains[1].push_back({1, static_cast<std::uint16_t>(options_.common_length)});
        chains[1].push_back({meter_model(options_), length(meter_model(options_))});
    }
    for (std::size_t u = 0; u < chains.size(); ++u) {
        Unit unit;
        unit.unit_id = u == 0 ? options_.unit_id : options_.meter_unit_id;
        unit.base = options_.base_address;
        int addr = unit.base + 2;
        for (auto [id, l] : chains[u]) {
            blocks_.push_back({id, addr, l, static_cast<int>(u)});
            addr += 2 + l;
        }
        unit.size = addr + 2 - unit.base;
        unit.mapping = modbus_mapping_new_start_address(0, 0, 0, 0, unit.base, unit.size, 0, 0);
        units_.push_back(unit);
        *reg(static_cast<int>(u), unit.base) = kMarkerHigh;
        *reg(static_cast<int>(u), unit.base + 1) = kMarkerLow;
        *reg(static_cast<int>(u), addr) = kEndId;
        *reg(static_cast<int>(u), addr + 1) = 0;
    }
    // Every point starts "not implemented"; then IDs, lengths, scale factors and fixed text.
    for (const auto& b : blocks_) {
        const ModelDef* def = find_model(b.id);
        auto fill = [&](std::span<const PointDef> pts, int start, int limit) {
            for (const auto& p : pts) {
                if (p.offset + p.size > limit) continue;
                for (int w = 0; w < p.size; ++w)
                    *reg(b.unit_index, start + p.offset + w) = sentinel(p.type, w);
                if (p.type == PointType::sunssf) {
                    auto it = kScaleFactors.find(p.name);
                    *reg(b.unit_index, start + p.offset) =
                        static_cast<std::uint16_t>(it == kScaleFactors.end() ? 0 : it->second);
                }
            }
        };
        fill(def->point_list(), b.address, 2 + b.length);
        if (def->repeating != nullptr) {
            for (int k = 0; k < options_.mppt_count; ++k) {
                int start = b.address + def->fixed_length + k * def->repeating->length;
                fill(def->repeating->point_list(), start, def->repeating->length);
            }
        }
        *reg(b.unit_index, b.address) = b.id;
        *reg(b.unit_index, b.address + 1) = b.length;
    }
    for (int u = 0; u < static_cast<int>(units_.size()); ++u) {
        for (auto& b : blocks_) {
            if (b.id != 1 || b.unit_index != u) continue;
            int a = b.address;
            auto text = [&](int offset, int size, const std::string& s) {
                for (int w = 0; w < size; ++w) {
                    auto byte = [&](std::size_t i) -> std::uint16_t {
                        return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
                    };
                    *reg(u, a + offset + w) =
                        static_cast<std::uint16_t>((byte(2 * w) << 8) | byte(2 * w + 1));
                }
            };
            const ModelDef* common = find_model(1);
            for (const auto& p : common->point_list()) {
                std::string name = p.name;
                if (name == "Mn") text(p.offset, p.size, options_.manufacturer);
                if (name == "Md") text(p.offset, p.size, u == 0 ? options_.model : "emulated meter");
                if (name == "Vr") text(p.offset, p.size, "hashsink");
                if (name == "SN") text(p.offset, p.size, options_.serial);
                if (name == "DA") *reg(u, a + p.offset) = static_cast<std::uint16_t>(units_[u].unit_id);
            }
        }
    }
    // Model 123: connected, limit at 100 % and off.
    if (find_block(123) != nullptr) {
        put_raw(123, "Conn", 1);
        put_raw(123, "WMaxLimPct", 100);
        put_raw(123, "WMaxLim_Ena", 0);
    }
    if (const Block* b = find_block(160)) {
        const GroupDef* g = find_model(160)->repeating;
        *reg(b->unit_index, b->address + find_point(find_model(160)->point_list(), "N")->offset) =
            static_cast<std::uint16_t>(options_.mppt_count);
        for (int k = 0; k < options_.mppt_count; ++k) {
            int start = b->address + find_model(160)->fixed_length + k * g->length;
            *reg(b->unit_index, start + find_point(g->point_list(), "ID")->offset) =
                static_cast<std::uint16_t>(k + 1);
            std::string label = "PV" + std::to_string(k + 1);
            const PointDef* idstr = find_point(g->point_list(), "IDStr");
            for (int w = 0; w < idstr->size; ++w) {
                auto byte = [&](std::size_t i) -> std::uint16_t {
                    return i < label.size() ? static_cast<unsigned char>(label[i]) : 0;
                };
                *reg(b->unit_index, start + idstr->offset + w) =
                    static_cast<std::uint16_t>((byte(2 * w) << 8) | byte(2 * w + 1));
            }
        }
    }
}

std::uint16_t* SunspecEmulator::reg(int unit_index, int address) {
    return &units_[unit_index].mapping->tab_registers[address - units_[unit_index].base];
}

SunspecEmulator::Block* SunspecEmulator::find_block(std::uint16_t id) {
    for (auto& b : blocks_)
        if (b.id == id) return &b;
    return nullptr;
}

const SunspecEmulator::Block* SunspecEmulator::find_block(std::uint16_t id) const {
    for (const auto& b : blocks_)
        if (b.id == id) return &b;
    return nullptr;
}

int SunspecEmulator::address_of(std::uint16_t model_id, const std::string& point) const {
    const Block* b = find_block(model_id);
    if (b == nullptr) return -1;
    const PointDef* p = find_point(find_model(model_id)->point_list(), point);
    return p == nullptr ? -1 : b->address + p->offset;
}

void SunspecEmulator::put_raw(std::uint16_t model_id, const std::string& point,
                              std::uint16_t raw) {
    int a = address_of(model_id, point);
    if (a >= 0) *reg(find_block(model_id)->unit_index, a) = raw;
}

void SunspecEmulator::put(std::uint16_t model_id, const std::string& point, double value) {
    Block* b = find_block(model_id);
    if (b == nullptr) return;
    const ModelDef* def = find_model(model_id);
    const PointDef* p = find_point(def->point_list(), point);
    if (p == nullptr) return;
    int sf = 0;
    if (p->sf != nullptr) {
        const PointDef* sfp = find_point(def->point_list(), p->sf);
        if (sfp != nullptr)
            sf = static_cast<std::int16_t>(*reg(b->unit_index, b->address + sfp->offset));
    }
    encode(*p, value / std::pow(10.0, sf), reg(b->unit_index, b->address + p->offset));
}

double SunspecEmulator::get_locked(std::uint16_t model_id, const std::string& point) const {
    const Block* b = find_block(model_id);
    if (b == nullptr) return 0;
    const auto& unit = units_[b->unit_index];
    int a = address_of(model_id, point);
    std::span<const std::uint16_t> regs(unit.mapping->tab_registers + (a - unit.base), 2);
    const PointDef* p = find_point(find_model(model_id)->point_list(), point);
    return decode_raw_number(p->type, regs).value_or(0);
}

void SunspecEmulator::apply_overrides_locked() {
    for (const auto& [key, words] : overrides_) {
        int a = address_of(key.first, key.second);
        if (a < 0) continue;
        for (std::size_t w = 0; w < words.size(); ++w)
            *reg(find_block(key.first)->unit_index, a + static_cast<int>(w)) = words[w];
    }
}

void SunspecEmulator::render_locked() {
    // Before (an overridden scale factor scales what follows) and after (overridden values win).
    apply_overrides_locked();
    InverterImage im = image_;
    bool limited = get_locked(123, "WMaxLim_Ena") == 1;
    double cap = get_locked(123, "WMaxLimPct") / 100.0 * im.wmax_w;
    if (limited && im.ac_power_w > cap) {
        double ratio = im.ac_power_w > 0 ? cap / im.ac_power_w : 0;
        im.ac_power_w = cap;
        im.dc_power_w *= ratio;
        for (auto& w : im.mppt_dc_w) w *= ratio;
        im.state = InverterState::throttled;
    }
    std::uint16_t inv = inverter_model(options_);
    double amps = im.ac_voltage_v > 0 ? im.ac_power_w / (3 * im.ac_voltage_v) : 0;
    put(inv, "A", amps * 3);
    for (const char* ph : {"AphA", "AphB", "AphC"}) put(inv, ph, amps);
    for (const char* ph : {"PhVphA", "PhVphB", "PhVphC"}) put(inv, ph, im.ac_voltage_v);
    put(inv, "W", im.ac_power_w);
    put(inv, "Hz", im.frequency_hz);
    put(inv, "WH", im.lifetime_wh);
    put(inv, "DCW", im.dc_power_w);
    put(inv, "St", static_cast<double>(im.state));
    put(120, "WRtg", im.rating_w);
    put(120, "DERTyp", 4);   // PV
    put(121, "WMax", im.wmax_w);
    if (const Block* b = find_block(160)) {
        const GroupDef* g = find_model(160)->repeating;
        const PointDef* dcw = find_point(g->point_list(), "DCW");
        const PointDef* dcv = find_point(g->point_list(), "DCV");
        const PointDef* dca = find_point(g->point_list(), "DCA");
        const PointDef* st = find_point(g->point_list(), "DCSt");
        auto sf = [&](const char* name) {
            auto* p = find_point(find_model(160)->point_list(), name);
            return static_cast<std::int16_t>(*reg(b->unit_index, b->address + p->offset));
        };
        for (int k = 0; k < options_.mppt_count; ++k) {
            double w = k < static_cast<int>(im.mppt_dc_w.size()) ? im.mppt_dc_w[k] : 0;
            int start = b->address + find_model(160)->fixed_length + k * g->length;
            encode(*dcw, w / std::pow(10.0, sf("DCW_SF")), reg(b->unit_index, start + dcw->offset));
            encode(*dcv, kModuleVoltageV / std::pow(10.0, sf("DCV_SF")),
                   reg(b->unit_index, start + dcv->offset));
            encode(*dca, w / kModuleVoltageV / std::pow(10.0, sf("DCA_SF")),
                   reg(b->unit_index, start + dca->offset));
            encode(*st, w > 0 ? 4 : 2, reg(b->unit_index, start + st->offset));
        }
    }
    std::uint16_t met = meter_model(options_);
    if (find_block(met) != nullptr) {
        put(met, "W", im.grid_power_w);
        put(met, "PhV", im.ac_voltage_v);
        put(met, "Hz", im.frequency_hz);
        put(met, "TotWhImp", im.meter_import_wh);
        put(met, "TotWhExp", im.meter_export_wh);
    }
    apply_overrides_locked();
}

void SunspecEmulator::update(const InverterImage& image) {
    std::lock_guard lock(mu_);
    image_ = image;
    render_locked();
}

double SunspecEmulator::limit_pct() const {
    std::lock_guard lock(mu_);
    return get_locked(123, "WMaxLimPct");
}

bool SunspecEmulator::limit_enabled() const {
    std::lock_guard lock(mu_);
    return get_locked(123, "WMaxLim_Ena") == 1;
}

void SunspecEmulator::set_faults(const EmulatorFaults& faults) {
    std::lock_guard lock(mu_);
    faults_ = faults;
}

void SunspecEmulator::override_point(std::uint16_t model_id, const std::string& point,
                                     std::vector<std::uint16_t> words) {
    std::lock_guard lock(mu_);
    overrides_[{model_id, point}] = std::move(words);
    render_locked();
}

void SunspecEmulator::clear_overrides() {
    std::lock_guard lock(mu_);
    overrides_.clear();
    // Scale factors the emulator serves by default, then the image under them.
    for (const auto& b : blocks_)
        for (const auto& p : find_model(b.id)->point_list())
            if (p.type == PointType::sunssf) {
                auto it = kScaleFactors.find(p.name);
                *reg(b.unit_index, b.address + p.offset) =
                    static_cast<std::uint16_t>(it == kScaleFactors.end() ? 0 : it->second);
            }
    render_locked();
}

void SunspecEmulator::after_each_read(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    after_read_ = std::move(hook);
}

Status SunspecEmulator::start() {
    return server_.start("sunspec emulator", options_.bind, options_.port,
                         [this](_modbus* ctx, const std::uint8_t* query, int length) {
                             handle(ctx, query, length);
                         });
}

void SunspecEmulator::stop() { server_.stop(); }

void SunspecEmulator::handle(_modbus* ctx, const std::uint8_t* query, int length) {
    int hl = modbus_get_header_length(ctx);
    if (length < hl + 5) return;
    EmulatorFaults faults;
    std::function<void()> after_read;
    {
        std::lock_guard lock(mu_);
        faults = faults_;
        after_read = after_read_;
    }
    if (faults.swallow) return;
    if (faults.latency_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms));
    // modbus_reply copies the unit id of the request it is given into the answer.
    std::vector<std::uint8_t> request(query, query + length);
    int unit_id = request[hl - 1];
    if (faults.reply_unit > 0) request[hl - 1] = static_cast<std::uint8_t>(faults.reply_unit);
    if (faults.exception > 0) {
        modbus_reply_exception(ctx, request.data(), static_cast<unsigned>(faults.exception));
        return;
    }
    int index = -1;
    for (std::size_t u = 0; u < units_.size(); ++u)
        if (units_[u].unit_id == unit_id) index = static_cast<int>(u);
    if (faults.serve_unit > 0 && index <= 0) index = unit_id == faults.serve_unit ? 0 : -1;
    if (index < 0) {
        modbus_reply_exception(ctx, request.data(), MODBUS_EXCEPTION_GATEWAY_TARGET);
        return;
    }
    int function = query[hl];
    if (!answer(ctx, request, index)) return;
    if (function == MODBUS_FC_READ_HOLDING_REGISTERS && after_read) after_read();
}

bool SunspecEmulator::answer(_modbus* ctx, const std::vector<std::uint8_t>& request, int index) {
    const std::uint8_t* query = request.data();
    const int length = static_cast<int>(request.size());
    int hl = modbus_get_header_length(ctx);
    int function = query[hl];
    int addr = (query[hl + 1] << 8) | query[hl + 2];
    std::lock_guard lock(mu_);
    if (function == MODBUS_FC_WRITE_SINGLE_REGISTER || function == MODBUS_FC_WRITE_MULTIPLE_REGISTERS) {
        int count = function == MODBUS_FC_WRITE_SINGLE_REGISTER
                        ? 1 : ((query[hl + 3] << 8) | query[hl + 4]);
        int pct = index == 0 ? address_of(123, "WMaxLimPct") : -1;
        int ena = index == 0 ? address_of(123, "WMaxLim_Ena") : -1;
        for (int a = addr; a < addr + count; ++a) {
            if (a != pct && a != ena) {
                modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
                return false;
            }
        }
        for (int a = addr; a < addr + count; ++a) {
            int at = function == MODBUS_FC_WRITE_SINGLE_REGISTER ? hl + 3 : hl + 6 + 2 * (a - addr);
            if (at + 1 >= length) return false;
            int value = (query[at] << 8) | query[at + 1];
            if ((a == pct && value > 100) || (a == ena && value > 1)) {
                modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
                return false;
            }
        }
    } else if (function != MODBUS_FC_READ_HOLDING_REGISTERS) {
        modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return false;
    }
    modbus_reply(ctx, query, length, units_[index].mapping);
    if (function != MODBUS_FC_READ_HOLDING_REGISTERS) render_locked();
    return true;
}

}  // namespace hashsink::sensors::sunspec
