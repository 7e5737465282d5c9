// The rows a commit writes: the prepared statements, and each entry bound to its own.
#include <string>
#include <string_view>
#include <variant>

#include "daemon/journal/journal_impl.hpp"

namespace hashsink::journal {

namespace {

// The policy's typed state, {"v":N,...} (policies/common/state.hpp), or {} for none.
std::string memory_json(const PolicyMemory& memory) { return memory.json(); }

}  // namespace

Status Journal::Impl::prepare_statements() {
    struct Spec {
        Statement* stmt;
        const char* sql;
    };
    const Spec specs[] = {
        {&insert_reading,
         "INSERT OR REPLACE INTO reading_samples(ts_ms, signal, value, source) "
         "VALUES(?1,?2,?3,?4)"},
        {&insert_name, "INSERT INTO names(name) VALUES(?1) ON CONFLICT(name) DO NOTHING"},
        {&select_name, "SELECT id FROM names WHERE name = ?1"},
        {&insert_miner_state,
         "INSERT OR REPLACE INTO miner_states(ts_ms, miner_id, online, state, hashrate_ths, "
         "power_w, frequency_mhz, core_voltage_mv, chip_temp_c, vr_temp_c, fan_rpm) "
         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"},
        {&insert_decision,
         "INSERT INTO decisions(ts_ms, tick, policy, budget_w, fail_safe, reason, memory_json, "
         "hold, shed, heat_floor_w, hash_value_per_h, heat_value_per_h) "
         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"},
        {&insert_target,
         "INSERT INTO targets(ts_ms, tick, miner_id, run, power_w, level, frequency_mhz, "
         "core_voltage_mv, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"},
        // The newest target of that tick and miner (ticks restart with the daemon).
        {&update_result,
         "UPDATE targets SET result=?1, result_code=?2, result_message=?3, result_ts_ms=?4 "
         "WHERE rowid = (SELECT rowid FROM targets WHERE tick=?5 AND miner_id=?6 "
         "ORDER BY rowid DESC LIMIT 1)"},
        {&insert_event,
         "INSERT INTO events(ts_ms, severity, code, subject, message) VALUES(?1,?2,?3,?4,?5)"},
    };
    if (Status rollups = prepare_rollups(); !rollups) return rollups;
    for (const auto& s : specs) {
        if (s.stmt->prepare(write_db.get(), s.sql) != SQLITE_OK) {
            return Status::error(ErrorCode::io,
                                 "journal " + what + ": prepare statements: " + write_db.message(),
                                 false);
        }
    }
    return prepare_pruning();
}

// Returns SQLITE_DONE or the error code of the failed statement; rows counts what was written.
int Journal::Impl::write_entry(Entry& e, std::uint64_t& rows) {
    return std::visit(
        [&](const auto& v) -> int {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, ReadingsEntry>) {
                return write_readings(v, rows);
            } else {
                Statement& s = bind_row(v);
                int rc = s.step();
                s.reset();
                if (rc == SQLITE_DONE) ++rows;
                return rc;
            }
        },
        e);
}

std::variant<std::int64_t, int> Journal::Impl::name_id(std::string_view name) {
    auto known = name_ids.find(name);
    if (known != name_ids.end()) return known->second;
    insert_name.bind_all(name);
    int rc = insert_name.step();
    insert_name.reset();
    if (rc != SQLITE_DONE) return rc;
    select_name.bind_all(name);
    rc = select_name.step();
    const std::int64_t id = select_name.column_int(0);
    select_name.reset();
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
    name_ids.emplace(name, id);
    return id;
}

int Journal::Impl::write_readings(const ReadingsEntry& v, std::uint64_t& rows) {
    for (const auto& r : v.rows) {
        const auto signal = name_id(r.signal);
        if (const int* rc = std::get_if<int>(&signal)) return *rc;
        const auto source = name_id(r.source);
        if (const int* rc = std::get_if<int>(&source)) return *rc;
        Statement& s = insert_reading;
        s.bind_all(v.ts_ms, std::get<std::int64_t>(signal), r.value,
                   std::get<std::int64_t>(source));
        int rc = s.step();
        s.reset();
        if (rc != SQLITE_DONE) return rc;
        ++rows;
    }
    return SQLITE_DONE;
}

Statement& Journal::Impl::bind_row(const MinerStateEntry& v) {
    insert_miner_state.bind_all(v.ts_ms, std::string_view(v.miner_id), v.online,
                                std::string_view(to_string(v.state)), v.hashrate_ths, v.power_w,
                                v.frequency_mhz, v.core_voltage_mv, v.chip_temp_c, v.vr_temp_c,
                                v.fan_rpm);
    return insert_miner_state;
}

Statement& Journal::Impl::bind_row(const DecisionEntry& v) {
    const Decision& d = v.decision;
    insert_decision.bind_all(v.ts_ms, static_cast<std::int64_t>(v.tick), std::string_view(d.policy),
                             d.budget_w, d.fail_safe, std::string_view(d.reason),
                             std::string_view(memory_json(d.memory)), d.hold, d.shed,
                             v.heat_floor_w, v.hash_value_per_h, v.heat_value_per_h);
    return insert_decision;
}

Statement& Journal::Impl::bind_row(const TargetEntry& v) {
    std::optional<std::int64_t> level;
    if (v.target.level) level = static_cast<std::int64_t>(*v.target.level);
    insert_target.bind_all(v.ts_ms, static_cast<std::int64_t>(v.tick), std::string_view(v.miner_id),
                           v.target.run, v.target.power_w, level, v.target.frequency_mhz,
                           v.target.core_voltage_mv, std::string_view(v.reason));
    return insert_target;
}

Statement& Journal::Impl::bind_row(const ApplyResultEntry& v) {
    update_result.bind_all(std::string_view(v.result.ok() ? "ok" : "error"),
                           std::string_view(to_string(v.result.code)),
                           std::string_view(v.result.message), v.ts_ms,
                           static_cast<std::int64_t>(v.tick), std::string_view(v.miner_id));
    return update_result;
}

Statement& Journal::Impl::bind_row(const EventEntry& v) {
    insert_event.bind_all(v.ts_ms, std::string_view(to_string(v.severity)),
                          std::string_view(v.code), std::string_view(v.subject),
                          std::string_view(v.message));
    return insert_event;
}

}  // namespace hashsink::journal
