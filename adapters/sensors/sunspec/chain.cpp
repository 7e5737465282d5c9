#include "adapters/sensors/sunspec/chain.hpp"

#include <algorithm>

namespace hashsink::sensors::sunspec {
namespace {

constexpr int kIllegalDataAddress = 0x02;  // the Modbus exception for "no such register"

Status chain_error(const transport::ModbusClient& c, const std::string& what) {
    return Status::error(ErrorCode::protocol, c.name() + ": walk SunSpec chain: " + what, false);
}

}  // namespace

const ModelLocation* Chain::find(std::uint16_t id) const {
    for (const auto& m : models)
        if (m.id == id) return &m;
    return nullptr;
}

const ModelLocation* Chain::find_any(std::initializer_list<std::uint16_t> ids) const {
    for (const auto& m : models)
        if (std::find(ids.begin(), ids.end(), m.id) != ids.end()) return &m;
    return nullptr;
}

Result<Chain> walk_chain(transport::ModbusClient& client, int base) noexcept {
    try {
        Chain chain;
        chain.base = -1;
        std::vector<int> candidates;
        if (base >= 0) candidates.push_back(base);
        else candidates.assign(std::begin(kBaseCandidates), std::end(kBaseCandidates));
        // What each candidate answered, for the error when none holds the marker.
        std::string tried;
        bool all_refused = true;
        for (int candidate : candidates) {
            tried += (tried.empty() ? "" : "; ") + std::to_string(candidate);
            auto marker = client.read_holding_registers(candidate, 2);
            if (!marker) {
                // A missing range is answered with an exception: try the next candidate.
                // Anything else (timeout, refused) will not get better at another address.
                if (marker.error().code != ErrorCode::rejected) return marker.error();
                const std::string& why = marker.error().message;
                auto unit = why.find("unit ");
                tried += " (" + (unit == std::string::npos ? why : why.substr(unit)) + ")";
                all_refused = all_refused && client.last_exception() != kIllegalDataAddress;
                continue;
            }
            all_refused = false;
            if ((*marker)[0] == kMarkerHigh && (*marker)[1] == kMarkerLow) {
                chain.base = candidate;
                break;
            }
        }
        if (chain.base < 0) {
            // Every candidate refused for another reason than "no such register" (busy, failed,
            // no such unit): the device's fault to report, not a missing marker.
            return Status::error(all_refused ? ErrorCode::rejected : ErrorCode::unsupported,
                                 client.name() + ": find SunSpec marker: no \"SunS\" at " + tried,
                                 false);
        }
        int addr = chain.base + 2;
        while (true) {
            if (chain.models.size() >= kMaxModels) return chain_error(client, "too many models");
            if (addr + 2 > 65536) return chain_error(client, "runs past register 65535");
            auto header = client.read_holding_registers(addr, 2);
            if (!header) return header.error();
            std::uint16_t id = (*header)[0];
            std::uint16_t length = (*header)[1];
            if (id == kEndId) break;
            ModelLocation loc{id, length, addr};
            if (loc.end() > 65536)
                return chain_error(client, "model " + std::to_string(id) + " at " +
                                               std::to_string(addr) + " runs past register 65535");
            chain.models.push_back(loc);
            addr = loc.end();
        }
        return chain;
    } catch (const std::bad_alloc&) {
        return Status::error(ErrorCode::io, client.name() + ": walk SunSpec chain: out of memory",
                             false);
    }
}

Result<std::map<int, DecodedModel>> read_models(transport::ModbusClient& client,
                                                const std::vector<ModelLocation>& which) noexcept {
    try {
        std::vector<ModelLocation> known;
        for (const auto& m : which)
            if (find_model(m.id) != nullptr) known.push_back(m);
        std::sort(known.begin(), known.end(),
                  [](const auto& a, const auto& b) { return a.address < b.address; });
        std::map<int, DecodedModel> out;
        std::size_t i = 0;
        while (i < known.size()) {
            // Models that follow each other without a gap share one request while they fit in
            // it: a device answers a request from one moment, so a model read whole never mixes
            // a value with a scale factor (or the halves of a 32-bit value) from another moment.
            // A model longer than a request is read alone, in requests the client splits.
            std::size_t j = i + 1;
            while (j < known.size() && known[j].address == known[j - 1].end() &&
                   known[j].end() - known[i].address <=
                       transport::ModbusClient::kMaxRegistersPerRead)
                ++j;
            int start = known[i].address;
            int count = known[j - 1].end() - start;
            auto regs = client.read_holding_registers(start, count);
            if (!regs) return regs.error();
            for (std::size_t k = i; k < j; ++k) {
                const auto& loc = known[k];
                std::span<const std::uint16_t> all(*regs);
                auto part = all.subspan(loc.address - start, 2u + loc.length);
                if (part[0] != loc.id || part[1] != loc.length) {
                    return Status::error(ErrorCode::protocol,
                                         client.name() + ": read model " + std::to_string(loc.id) +
                                             " at " + std::to_string(loc.address) +
                                             ": the chain changed (found ID " +
                                             std::to_string(part[0]) + ")");
                }
                auto decoded = decode_model(part);
                if (!decoded) {
                    auto st = decoded.error();
                    st.message = client.name() + ": decode " + st.message;
                    return st;
                }
                out.emplace(loc.address, std::move(*decoded));
            }
            i = j;
        }
        return out;
    } catch (const std::bad_alloc&) {
        return Status::error(ErrorCode::io, client.name() + ": read models: out of memory", false);
    }
}

}  // namespace hashsink::sensors::sunspec
