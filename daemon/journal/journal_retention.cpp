// Retention: old rows pruned a few at a time between batches, and passive WAL checkpoints.
#include <algorithm>
#include <chrono>
#include <limits>

#include "daemon/journal/journal_impl.hpp"
#include "daemon/journal/schema.hpp"

namespace hashsink::journal {

namespace {

constexpr int kPruneBatchRows = 2000;
constexpr Duration kPruneBudget{50};        // pruning per writer cycle, so ticks never wait

}  // namespace

Status Journal::Impl::prepare_pruning() {
    for (const StoredTable& table : stored_tables()) {
        const std::string name = table.name, key = table.key;
        std::string sql = "DELETE FROM " + name + " WHERE (" + key + ") IN (SELECT " + key +
                          " FROM " + name + " WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2)";
        Statement stmt;
        if (stmt.prepare(write_db.get(), sql.c_str()) != SQLITE_OK) {
            return Status::error(ErrorCode::io,
                                 "journal " + what + ": prepare pruning: " + write_db.message(),
                                 false);
        }
        prune.emplace_back(table, std::move(stmt));
    }
    return Status::success();
}

std::int64_t Journal::Impl::raw_cutoff_ms() const {
    Duration keep = options.keep_raw;
    if (options.retention > Duration{0} && (keep <= Duration{0} || keep > options.retention))
        keep = options.retention;
    if (keep <= Duration{0}) return std::numeric_limits<std::int64_t>::min();
    return unix_ms(now() - keep);
}

void Journal::Impl::maintain() {
    auto steady_now = std::chrono::steady_clock::now();
    if (!pruning && steady_now >= next_retention) {
        pruning = true;
        prune_table = 0;
        next_retention = steady_now + options.retention_interval;
    }
    if (pruning && options.retention <= Duration{0} && options.keep_raw <= Duration{0})
        pruning = false;   // keep forever
    if (pruning) {
        const std::int64_t cutoff_ms = options.retention > Duration{0}
                                           ? unix_ms(now() - options.retention)
                                           : std::numeric_limits<std::int64_t>::min();
        const std::int64_t raw_cutoff = std::max(cutoff_ms, raw_cutoff_ms());
        auto deadline = steady_now + kPruneBudget;
        while (prune_table < prune.size() && std::chrono::steady_clock::now() < deadline) {
            Statement& s = prune[prune_table].second;
            s.bind(1, prune[prune_table].first.per_tick ? raw_cutoff : cutoff_ms);
            s.bind(2, static_cast<std::int64_t>(kPruneBatchRows));
            int rc = s.step();   // autocommit: each batch is its own short transaction
            s.reset();
            if (rc != SQLITE_DONE) {
                note_error(std::string("prune ") + prune[prune_table].first.name,
                           write_db.message());
                pruning = false;
                break;
            }
            if (sqlite3_changes(write_db.get()) < kPruneBatchRows) ++prune_table;
        }
        if (prune_table >= prune.size()) pruning = false;
    }
    if (steady_now >= next_checkpoint) {
        next_checkpoint = steady_now + options.checkpoint_interval;
        int rc = sqlite3_wal_checkpoint_v2(write_db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) note_error("checkpoint", write_db.message());
    }
}

}  // namespace hashsink::journal
