// An emulated bmminer (Antminer S9, bmminer 1.0.0) on the 4028 protocol: version, summary (with
// "GHS 5s" as a string, as that firmware sends it), stats and config (access denied), plus the
// shared faults and the trailing NUL. Read-only, like the driver.
#pragma once

#include <mutex>
#include <string>

#include "emulators/miners/common/cgminer_emulator.hpp"

namespace hashsink::miners::cgminer {

struct EmulatorConfig : emu::Listen {
    double ths = 13.5;
    std::string model = "Antminer S9";
};

class CgminerEmulator final : public emu::CgminerEmulator {
public:
    explicit CgminerEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~CgminerEmulator() override;
    void set_hashing(bool on);   // false: the process runs but hashes nothing

protected:
    std::optional<std::string> reply(const std::string& cmd, const std::string& param,
                                     const nlohmann::json& request) override;
    std::string description() const override { return "bmminer 1.0.0"; }

private:
    EmulatorConfig config_;
    mutable std::mutex mutex_;
    bool hashing_ = true;
};

}  // namespace hashsink::miners::cgminer
