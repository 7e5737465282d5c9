#include "daemon/journal/schema.hpp"

#include <iterator>
#include <optional>

namespace hashsink::journal {

namespace {

// Version n is kMigrations[n - 1]: the SQL that brings version n - 1 to n.
const char* const kMigrations[] = {
    // 1: the five tables. Times are Unix milliseconds (UTC); units are in column names.
    R"sql(
CREATE TABLE readings(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    value REAL,
    source TEXT NOT NULL
);
CREATE INDEX readings_ts ON readings(ts_ms);
CREATE INDEX readings_signal_ts ON readings(signal, ts_ms);

CREATE TABLE miner_states(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    online INTEGER NOT NULL,
    state TEXT NOT NULL,
    hashrate_ths REAL,
    power_w REAL,
    frequency_mhz REAL,
    core_voltage_mv REAL,
    chip_temp_c REAL,
    vr_temp_c REAL,
    fan_rpm REAL
);
CREATE INDEX miner_states_ts ON miner_states(ts_ms);
CREATE INDEX miner_states_miner_ts ON miner_states(miner_id, ts_ms);

CREATE TABLE decisions(
    ts_ms INTEGER NOT NULL,
    tick INTEGER NOT NULL,
    policy TEXT NOT NULL,
    budget_w REAL,
    fail_safe INTEGER NOT NULL,
    reason TEXT NOT NULL,
    memory_json TEXT NOT NULL
);
CREATE INDEX decisions_ts ON decisions(ts_ms);

CREATE TABLE targets(
    ts_ms INTEGER NOT NULL,
    tick INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    run INTEGER NOT NULL,
    power_w REAL,
    level INTEGER,
    frequency_mhz REAL,
    core_voltage_mv REAL,
    reason TEXT NOT NULL,
    result TEXT,
    result_code TEXT,
    result_message TEXT,
    result_ts_ms INTEGER
);
CREATE INDEX targets_ts ON targets(ts_ms);
CREATE INDEX targets_miner_ts ON targets(miner_id, ts_ms);
CREATE INDEX targets_tick_miner ON targets(tick, miner_id);

CREATE TABLE events(
    ts_ms INTEGER NOT NULL,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX events_ts ON events(ts_ms);
)sql",
    // 2: the decision's dead-band hold and import shed flags.
    R"sql(
ALTER TABLE decisions ADD COLUMN hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN shed INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: per-minute and per-hour rollups of readings and miner states, so a month of history
    // reads hours, not seconds. Sums and counts (not averages) so rollups combine exactly;
    // the writer upserts them in the same transaction as the raw rows. Existing raw rows
    // are folded in here once.
    R"sql(
CREATE TABLE readings_1m(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    UNIQUE(signal, ts_ms)
);
CREATE INDEX readings_1m_ts ON readings_1m(ts_ms);
CREATE TABLE readings_1h(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    UNIQUE(signal, ts_ms)
);
CREATE INDEX readings_1h_ts ON readings_1h(ts_ms);

CREATE TABLE miner_states_1m(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    online_n INTEGER NOT NULL,
    n_power INTEGER NOT NULL,
    sum_power_w REAL NOT NULL,
    min_power_w REAL,
    max_power_w REAL,
    n_hashrate INTEGER NOT NULL,
    sum_hashrate_ths REAL NOT NULL,
    min_hashrate_ths REAL,
    max_hashrate_ths REAL,
    UNIQUE(miner_id, ts_ms)
);
CREATE INDEX miner_states_1m_ts ON miner_states_1m(ts_ms);
CREATE TABLE miner_states_1h(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    online_n INTEGER NOT NULL,
    n_power INTEGER NOT NULL,
    sum_power_w REAL NOT NULL,
    min_power_w REAL,
    max_power_w REAL,
    n_hashrate INTEGER NOT NULL,
    sum_hashrate_ths REAL NOT NULL,
    min_hashrate_ths REAL,
    max_hashrate_ths REAL,
    UNIQUE(miner_id, ts_ms)
);
CREATE INDEX miner_states_1h_ts ON miner_states_1h(ts_ms);

INSERT INTO readings_1m
SELECT (ts_ms / 60000) * 60000 AS b, signal, COUNT(*), SUM(value), MIN(value), MAX(value),
       SUM(MAX(value, 0)), SUM(MAX(-value, 0))
FROM readings WHERE value IS NOT NULL GROUP BY b, signal;
INSERT INTO readings_1h
SELECT (ts_ms / 3600000) * 3600000 AS b, signal, SUM(n), SUM(sum_value), MIN(min_value),
       MAX(max_value), SUM(sum_pos), SUM(sum_neg)
FROM readings_1m GROUP BY b, signal;

INSERT INTO miner_states_1m
SELECT b, miner_id, COUNT(*), SUM(online), COUNT(p), COALESCE(SUM(p), 0), MIN(p), MAX(p),
       COUNT(h), COALESCE(SUM(h), 0), MIN(h), MAX(h)
FROM (SELECT (ts_ms / 60000) * 60000 AS b, miner_id, online,
             CASE WHEN online THEN power_w ELSE 0 END AS p,
             CASE WHEN online THEN hashrate_ths ELSE 0 END AS h FROM miner_states)
GROUP BY b, miner_id;
INSERT INTO miner_states_1h
SELECT (ts_ms / 3600000) * 3600000 AS b, miner_id, SUM(n), SUM(online_n), SUM(n_power),
       SUM(sum_power_w), MIN(min_power_w), MAX(max_power_w), SUM(n_hashrate),
       SUM(sum_hashrate_ths), MIN(min_hashrate_ths), MAX(max_hashrate_ths)
FROM miner_states_1m GROUP BY b, miner_id;
)sql",
    // 4: heat: the fleet's heat floor, and what the miners earn per hour, hash and heat apart
    // (NULL when no policy values them).
    R"sql(
ALTER TABLE decisions ADD COLUMN heat_floor_w REAL;
ALTER TABLE decisions ADD COLUMN hash_value_per_h REAL;
ALTER TABLE decisions ADD COLUMN heat_value_per_h REAL;
)sql",
    // 5: fewer pages touched per commit, for an SD card's sake. An index keyed by series first
    // put each commit's rows into one leaf per signal or miner; keyed by time, a commit's rows
    // land in the last few pages. The rollups are stored in their key's order (WITHOUT ROWID,
    // time then series), which also drops the copy of each row their unique index held. Every
    // query reads a time range and picks its series there.
    R"sql(
DROP INDEX readings_signal_ts;
DROP INDEX miner_states_miner_ts;
DROP INDEX targets_miner_ts;
CREATE TABLE readings_1m_by_time(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    PRIMARY KEY(ts_ms, signal)
) WITHOUT ROWID;
INSERT INTO readings_1m_by_time SELECT * FROM readings_1m;
DROP TABLE readings_1m;
ALTER TABLE readings_1m_by_time RENAME TO readings_1m;
CREATE TABLE readings_1h_by_time(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    PRIMARY KEY(ts_ms, signal)
) WITHOUT ROWID;
INSERT INTO readings_1h_by_time SELECT * FROM readings_1h;
DROP TABLE readings_1h;
ALTER TABLE readings_1h_by_time RENAME TO readings_1h;
CREATE TABLE miner_states_1m_by_time(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    online_n INTEGER NOT NULL,
    n_power INTEGER NOT NULL,
    sum_power_w REAL NOT NULL,
    min_power_w REAL,
    max_power_w REAL,
    n_hashrate INTEGER NOT NULL,
    sum_hashrate_ths REAL NOT NULL,
    min_hashrate_ths REAL,
    max_hashrate_ths REAL,
    PRIMARY KEY(ts_ms, miner_id)
) WITHOUT ROWID;
INSERT INTO miner_states_1m_by_time SELECT * FROM miner_states_1m;
DROP TABLE miner_states_1m;
ALTER TABLE miner_states_1m_by_time RENAME TO miner_states_1m;
CREATE TABLE miner_states_1h_by_time(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    online_n INTEGER NOT NULL,
    n_power INTEGER NOT NULL,
    sum_power_w REAL NOT NULL,
    min_power_w REAL,
    max_power_w REAL,
    n_hashrate INTEGER NOT NULL,
    sum_hashrate_ths REAL NOT NULL,
    min_hashrate_ths REAL,
    max_hashrate_ths REAL,
    PRIMARY KEY(ts_ms, miner_id)
) WITHOUT ROWID;
INSERT INTO miner_states_1h_by_time SELECT * FROM miner_states_1h;
DROP TABLE miner_states_1h;
ALTER TABLE miner_states_1h_by_time RENAME TO miner_states_1h;
)sql",
    // 6: the per-tick readings and miner states stored in their key's order (WITHOUT ROWID,
    // time then series), as the rollups are since 5: a commit appends to one b-tree per table
    // instead of a table and its time index, and each row is stored once. A duplicate key (the
    // same series at the same millisecond, which a clock stepped back could make) keeps the
    // newer row.
    R"sql(
DROP INDEX readings_ts;
CREATE TABLE readings_by_time(
    ts_ms INTEGER NOT NULL,
    signal TEXT NOT NULL,
    value REAL,
    source TEXT NOT NULL,
    PRIMARY KEY(ts_ms, signal, source)
) WITHOUT ROWID;
INSERT OR REPLACE INTO readings_by_time SELECT ts_ms, signal, value, source FROM readings
ORDER BY rowid;
DROP TABLE readings;
ALTER TABLE readings_by_time RENAME TO readings;
DROP INDEX miner_states_ts;
CREATE TABLE miner_states_by_time(
    ts_ms INTEGER NOT NULL,
    miner_id TEXT NOT NULL,
    online INTEGER NOT NULL,
    state TEXT NOT NULL,
    hashrate_ths REAL,
    power_w REAL,
    frequency_mhz REAL,
    core_voltage_mv REAL,
    chip_temp_c REAL,
    vr_temp_c REAL,
    fan_rpm REAL,
    PRIMARY KEY(ts_ms, miner_id)
) WITHOUT ROWID;
INSERT OR REPLACE INTO miner_states_by_time
SELECT ts_ms, miner_id, online, state, hashrate_ths, power_w, frequency_mhz, core_voltage_mv,
       chip_temp_c, vr_temp_c, fan_rpm FROM miner_states ORDER BY rowid;
DROP TABLE miner_states;
ALTER TABLE miner_states_by_time RENAME TO miner_states;
)sql",
    // 7: signal and source names stored once, in `names`, and by their number in the readings
    // and their rollups: a name was most of a reading's row (day 26 of the June trace: 40 B
    // of a row, 64 B written per row). The tables keep their old names as views, so a query
    // written for version 6 reads the same rows; CROSS JOIN keeps the rows' table the outer
    // loop, scanned by time.
    R"sql(
CREATE TABLE names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO names(name)
SELECT signal FROM readings_1h UNION SELECT signal FROM readings_1m
UNION SELECT signal FROM readings UNION SELECT source FROM readings;
CREATE TABLE reading_samples(
    ts_ms INTEGER NOT NULL,
    signal INTEGER NOT NULL,
    value REAL,
    source INTEGER NOT NULL,
    PRIMARY KEY(ts_ms, signal, source)
) WITHOUT ROWID;
INSERT INTO reading_samples
SELECT r.ts_ms, s.id, r.value, o.id FROM readings AS r
CROSS JOIN names AS s ON s.name = r.signal CROSS JOIN names AS o ON o.name = r.source;
DROP TABLE readings;
CREATE VIEW readings AS
SELECT r.ts_ms AS ts_ms, s.name AS signal, r.value AS value, o.name AS source
FROM reading_samples AS r CROSS JOIN names AS s ON s.id = r.signal
CROSS JOIN names AS o ON o.id = r.source;
CREATE TABLE reading_minutes(
    ts_ms INTEGER NOT NULL,
    signal INTEGER NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    PRIMARY KEY(ts_ms, signal)
) WITHOUT ROWID;
INSERT INTO reading_minutes
SELECT r.ts_ms, s.id, r.n, r.sum_value, r.min_value, r.max_value, r.sum_pos, r.sum_neg
FROM readings_1m AS r CROSS JOIN names AS s ON s.name = r.signal;
DROP TABLE readings_1m;
CREATE VIEW readings_1m AS
SELECT r.ts_ms AS ts_ms, s.name AS signal, r.n AS n, r.sum_value AS sum_value,
       r.min_value AS min_value, r.max_value AS max_value, r.sum_pos AS sum_pos,
       r.sum_neg AS sum_neg
FROM reading_minutes AS r CROSS JOIN names AS s ON s.id = r.signal;
CREATE TABLE reading_hours(
    ts_ms INTEGER NOT NULL,
    signal INTEGER NOT NULL,
    n INTEGER NOT NULL,
    sum_value REAL NOT NULL,
    min_value REAL NOT NULL,
    max_value REAL NOT NULL,
    sum_pos REAL NOT NULL,
    sum_neg REAL NOT NULL,
    PRIMARY KEY(ts_ms, signal)
) WITHOUT ROWID;
INSERT INTO reading_hours
SELECT r.ts_ms, s.id, r.n, r.sum_value, r.min_value, r.max_value, r.sum_pos, r.sum_neg
FROM readings_1h AS r CROSS JOIN names AS s ON s.name = r.signal;
DROP TABLE readings_1h;
CREATE VIEW readings_1h AS
SELECT r.ts_ms AS ts_ms, s.name AS signal, r.n AS n, r.sum_value AS sum_value,
       r.min_value AS min_value, r.max_value AS max_value, r.sum_pos AS sum_pos,
       r.sum_neg AS sum_neg
FROM reading_hours AS r CROSS JOIN names AS s ON s.id = r.signal;
)sql",
};

}  // namespace

const std::vector<const char*>& migrations() {
    static const std::vector<const char*> kList(std::begin(kMigrations), std::end(kMigrations));
    return kList;
}

const std::vector<const char*>& journal_tables() {
    static const std::vector<const char*> kTables = {"readings", "miner_states", "decisions",
                                                     "targets", "events", "schema_migrations",
                                                     "readings_1m", "readings_1h",
                                                     "miner_states_1m", "miner_states_1h"};
    return kTables;
}

const std::vector<StoredTable>& stored_tables() {
    static const std::vector<StoredTable> kTables = {
        {"reading_samples", "ts_ms, signal, source", true},
        {"miner_states", "ts_ms, miner_id", true},
        {"decisions", "rowid", true},
        {"targets", "rowid", false},
        {"events", "rowid", false},
        {"reading_minutes", "ts_ms, signal", false},
        {"reading_hours", "ts_ms, signal", false},
        {"miner_states_1m", "ts_ms, miner_id", false},
        {"miner_states_1h", "ts_ms, miner_id", false},
    };
    return kTables;
}

namespace {

Status failure(const std::string& what, const std::string& operation, const std::string& cause) {
    return Status::error(ErrorCode::io, "journal " + what + ": " + operation + ": " + cause,
                         false);
}

std::optional<std::int64_t> applied_version(Database& db) {
    return db.query_int("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
}

}  // namespace

Status migrate(Database& db, const std::string& what, std::int64_t now_ms,
               const std::function<void(int)>& before) {
    // The first statement that reads the file: a non-database file fails here.
    auto has_table = db.query_int(
        "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'");
    if (!has_table) return failure(what, "read schema", db.message());
    if (*has_table == 0) {
        auto other_tables = db.query_int(
            "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'");
        if (!other_tables) return failure(what, "read schema", db.message());
        if (*other_tables > 0) {
            return failure(what, "read schema",
                           "the file holds other tables but no schema_migrations: not a "
                           "hashsink journal");
        }
    }

    const int latest = latest_schema_version();
    const bool upgrading = *has_table != 0;   // an existing journal, not a new file
    if (*has_table != 0) {
        auto version = applied_version(db);
        if (!version) return failure(what, "read schema version", db.message());
        if (*version > latest) {
            return failure(what, "open database",
                           "schema version " + std::to_string(*version) +
                               " is newer than this hashsink knows (" + std::to_string(latest) +
                               "); use a newer hashsink or another journal file");
        }
        if (*version == latest) return Status::success();
    }

    if (db.exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                "version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)") != SQLITE_OK) {
        return failure(what, "create schema_migrations", db.message());
    }
    for (int v = 1; v <= latest; ++v) {
        if (db.exec("BEGIN IMMEDIATE") != SQLITE_OK) {
            return failure(what, "begin migration " + std::to_string(v), db.message());
        }
        // Re-read inside the transaction: another process may have migrated meanwhile.
        auto version = applied_version(db);
        if (!version) {
            std::string cause = db.message();
            db.exec("ROLLBACK");
            return failure(what, "read schema version", cause);
        }
        if (*version > latest) {
            db.exec("ROLLBACK");
            return failure(what, "open database",
                           "schema version " + std::to_string(*version) +
                               " is newer than this hashsink knows (" + std::to_string(latest) +
                               ")");
        }
        if (*version >= v) {
            db.exec("ROLLBACK");
            continue;
        }
        if (before && upgrading) before(v);
        Statement record;
        if (db.exec(migrations()[static_cast<std::size_t>(v - 1)]) != SQLITE_OK ||
            record.prepare(db.get(), "INSERT INTO schema_migrations(version, applied_at_ms) "
                                     "VALUES(?1, ?2)") != SQLITE_OK) {
            std::string cause = db.message();
            db.exec("ROLLBACK");
            return failure(what, "apply migration " + std::to_string(v), cause);
        }
        record.bind(1, static_cast<std::int64_t>(v));
        record.bind(2, now_ms);
        if (record.step() != SQLITE_DONE || db.exec("COMMIT") != SQLITE_OK) {
            std::string cause = db.message();
            db.exec("ROLLBACK");
            return failure(what, "apply migration " + std::to_string(v), cause);
        }
    }
    return Status::success();
}

}  // namespace hashsink::journal
