#include "emulators/sensors/modbus_register_emulator.hpp"

#include <modbus/modbus.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace hashsink::sensors {
namespace {

using transport::RegisterTable;
constexpr int kTableSize = 65536;

std::uint16_t crc16(const std::uint8_t* data, int length) {
    std::uint16_t crc = 0xFFFF;
    for (int i = 0; i < length; ++i) {
        crc ^= data[i];
        for (int b = 0; b < 8; ++b)
            crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    return crc;
}

// Length of an RTU request from its first bytes, or 0 while unknown / -1 when unsupported.
int rtu_request_length(const std::uint8_t* b, int have) {
    if (have < 2) return 0;
    switch (b[1]) {
        case 3:
        case 4:
        case 6:
            return 8;
        case 16:
            return have < 7 ? 0 : 9 + b[6];
        default:
            return -1;
    }
}

}  // namespace

RegisterEmulator::RegisterEmulator(RegisterEmulatorOptions options) : options_(std::move(options)) {
    for (int u : options_.units) {
        Unit unit;
        unit.mapping = modbus_mapping_new(0, 0, kTableSize, kTableSize);
        units_[u] = unit;
    }
}

RegisterEmulator::~RegisterEmulator() {
    stop();
    for (auto& [id, u] : units_)
        if (u.mapping != nullptr) modbus_mapping_free(u.mapping);
}

void RegisterEmulator::set_registers(int unit, RegisterTable table, int address,
                                     const std::vector<std::uint16_t>& words) {
    std::lock_guard lock(mu_);
    auto it = units_.find(unit);
    if (it == units_.end() || it->second.mapping == nullptr) return;
    std::uint16_t* regs = table == RegisterTable::input ? it->second.mapping->tab_input_registers
                                                        : it->second.mapping->tab_registers;
    for (std::size_t i = 0; i < words.size(); ++i) {
        auto a = static_cast<std::size_t>(address) + i;
        if (a < kTableSize) regs[a] = words[i];
    }
}

Status RegisterEmulator::set_point(int unit, const profiles::Profile& profile,
                                   const std::string& name, double physical) {
    const profiles::Point* pt = profile.find(name);
    if (pt == nullptr)
        return Status::error(ErrorCode::invalid,
                             "emulator: no point " + name + " in " + profile.name, false);
    double exponent = 0;
    if (!pt->scale_point.empty()) {
        const profiles::Point* sf = profile.find(pt->scale_point);
        std::lock_guard lock(mu_);
        auto it = units_.find(unit);
        if (sf != nullptr && it != units_.end()) {
            std::uint16_t* regs = sf->table == RegisterTable::input
                                      ? it->second.mapping->tab_input_registers
                                      : it->second.mapping->tab_registers;
            exponent = static_cast<std::int16_t>(regs[sf->address]);
        }
    }
    set_registers(unit, pt->table, pt->address, profiles::encode_point(*pt, physical, exponent));
    return Status::success();
}

void RegisterEmulator::set_exception(int unit, RegisterTable table, int address, int code) {
    std::lock_guard lock(mu_);
    auto it = units_.find(unit);
    if (it == units_.end()) return;
    if (code == 0)
        it->second.exceptions.erase({table, address});
    else
        it->second.exceptions[{table, address}] = code;
}

void RegisterEmulator::set_fault(EmulatorFault fault) {
    std::lock_guard lock(mu_);
    fault_ = fault;
}

std::vector<int> RegisterEmulator::request_units() const {
    std::lock_guard lock(mu_);
    return request_units_;
}

Status RegisterEmulator::start() {
    if (options_.device.empty()) {
        return server_.start("modbus emulator", options_.bind, options_.port,
                             [this](_modbus* ctx, const std::uint8_t* query, int length) {
                                 handle(ctx, query, length);
                             });
    }
    if (thread_.joinable()) return Status::success();
    auto fail = [&](const std::string& what) {
        std::string msg =
            "modbus emulator " + options_.device + ": " + what + ": " + modbus_strerror(errno);
        if (ctx_ != nullptr) modbus_free(ctx_);
        ctx_ = nullptr;
        return Status::error(ErrorCode::io, msg, false);
    };
    ctx_ = modbus_new_rtu(options_.device.c_str(), options_.baud, options_.parity,
                          options_.data_bits, options_.stop_bits);
    if (ctx_ == nullptr) return fail("create");
    if (modbus_connect(ctx_) != 0) return fail("open");
    stop_ = false;
    thread_ = std::thread([this] { serve_rtu(); });
    return Status::success();
}

void RegisterEmulator::stop() {
    server_.stop();
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    modbus_close(ctx_);
    modbus_free(ctx_);
    ctx_ = nullptr;
}

// libmodbus's RTU server only answers one unit id, and a bus has several: frames are read here
// (length from the function code, CRC checked) and answered with modbus_reply.
void RegisterEmulator::serve_rtu() {
    const int fd = modbus_get_socket(ctx_);
    std::uint8_t frame[MODBUS_RTU_MAX_ADU_LENGTH];
    int have = 0;
    while (!stop_) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        // A partial frame followed by silence is dropped (the bus's inter-frame gap).
        timeval tv{0, have > 0 ? 50'000 : 100'000};
        int rc = ::select(fd + 1, &readable, nullptr, nullptr, &tv);
        if (rc <= 0) {
            have = 0;
            continue;
        }
        ssize_t n = ::read(fd, frame + have, sizeof frame - static_cast<std::size_t>(have));
        if (n <= 0) continue;
        have += static_cast<int>(n);
        while (have > 0) {
            int want = rtu_request_length(frame, have);
            if (want < 0 || want > static_cast<int>(sizeof frame)) {
                have = 0;  // unsupported or garbage: resynchronise on the next frame
                break;
            }
            if (want == 0 || have < want) break;
            const std::uint16_t crc = crc16(frame, want - 2);
            if (frame[want - 2] == (crc & 0xFF) && frame[want - 1] == (crc >> 8))
                handle(ctx_, frame, want);
            std::copy(frame + want, frame + have, frame);
            have -= want;
        }
    }
}

void RegisterEmulator::handle(_modbus* ctx, const std::uint8_t* query, int length) {
    const int hl = modbus_get_header_length(ctx);
    if (length < hl + 5) return;
    const int unit_id = query[hl - 1];
    const int function = query[hl];
    const int addr = (query[hl + 1] << 8) | query[hl + 2];
    const int count = (query[hl + 3] << 8) | query[hl + 4];
    ++requests_;
    std::lock_guard lock(mu_);
    if (request_units_.size() >= 256) request_units_.erase(request_units_.begin());
    request_units_.push_back(unit_id);
    if (fault_ == EmulatorFault::silent) return;
    if (fault_ == EmulatorFault::garbage) {
        const std::uint8_t junk[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x05,
                                     0xEE, 0x99, 0x42, 0x13, 0x37};
        (void)!::write(modbus_get_socket(ctx), junk, sizeof junk);
        return;
    }
    modbus_set_slave(ctx, unit_id);
    auto it = units_.find(unit_id);
    if (it == units_.end()) {
        if (options_.device.empty())
            modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_GATEWAY_TARGET);
        return;
    }
    Unit& unit = it->second;
    if (function == MODBUS_FC_READ_HOLDING_REGISTERS ||
        function == MODBUS_FC_READ_INPUT_REGISTERS) {
        const auto table = function == MODBUS_FC_READ_INPUT_REGISTERS ? RegisterTable::input
                                                                      : RegisterTable::holding;
        for (const auto& [key, code] : unit.exceptions) {
            if (key.first == table && key.second >= addr && key.second < addr + count) {
                modbus_reply_exception(ctx, query, code);
                return;
            }
        }
    } else if (function != MODBUS_FC_WRITE_SINGLE_REGISTER &&
               function != MODBUS_FC_WRITE_MULTIPLE_REGISTERS) {
        modbus_reply_exception(ctx, query, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return;
    }
    modbus_reply(ctx, query, length, unit.mapping);
}

}  // namespace hashsink::sensors
