// A journal writer for crash tests: records 50 readings every 10 ms with the wall-clock time and
// prints "committed <rows> <ts_ms>" each time a commit lands (rows committed so far and the
// timestamp of the newest of them). The test kills it with SIGKILL.
//
//   journal_writer_child <db> [--seconds N] [--fsize-limit BYTES]
//
// With --fsize-limit the process may not grow files past BYTES (a full disk): the child writes
// until the limit, keeps going, then prints its stats ("final writing=<0|1> failed=<n>") and
// exits 0 after --seconds.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "daemon/journal/journal.hpp"

using namespace hashsink;
using namespace hashsink::journal;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: journal_writer_child <db> [--seconds N] [--fsize-limit B]\n");
        return 64;
    }
    double seconds = 60;   // bounded even if nobody kills it
    long long fsize_limit = 0;
    long long queue_capacity = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
        if (std::strcmp(argv[i], "--fsize-limit") == 0) fsize_limit = std::atoll(argv[i + 1]);
        if (std::strcmp(argv[i], "--queue-capacity") == 0) queue_capacity = std::atoll(argv[i + 1]);
    }
    if (fsize_limit > 0) {
        ::signal(SIGXFSZ, SIG_IGN);   // writes past the limit fail with EFBIG instead
        rlimit limit{static_cast<rlim_t>(fsize_limit), static_cast<rlim_t>(fsize_limit)};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }

    JournalOptions options;
    options.path = argv[1];
    if (queue_capacity > 0) options.queue_capacity = static_cast<std::size_t>(queue_capacity);
    auto opened = Journal::open(options);
    if (!opened) {
        std::printf("open failed: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& journal = *opened;

    std::vector<ReadingRow> rows;
    for (int i = 0; i < 50; ++i) rows.push_back({"pv.mppt." + std::to_string(i) + ".dc_power_w", 0, "child"});

    std::vector<std::int64_t> batch_ts;   // ts of each batch, in order: rows are FIFO
    std::uint64_t last_commits = 0;
    auto end = WallClock::now() + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    while (WallClock::now() < end) {
        TimePoint now = WallClock::now();
        for (auto& r : rows) r.value = static_cast<double>(batch_ts.size());
        journal->record_readings(now, rows);
        batch_ts.push_back(unix_ms(now));
        Stats s = journal->stats();
        if (s.commits != last_commits && s.rows_written >= 50) {
            last_commits = s.commits;
            std::size_t batches = s.rows_written / 50;
            std::printf("committed %llu %lld\n", static_cast<unsigned long long>(s.rows_written),
                        static_cast<long long>(batch_ts[batches - 1]));
            std::fflush(stdout);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    journal->flush();
    Stats s = journal->stats();
    std::printf(
        "final writing=%d written=%llu failed=%llu dropped=%llu waiting=%zu produced=%zu "
        "error=%s\n",
        s.writing ? 1 : 0, static_cast<unsigned long long>(s.rows_written),
        static_cast<unsigned long long>(s.rows_failed),
        static_cast<unsigned long long>(s.rows_dropped), s.queue_depth, batch_ts.size() * 50,
        s.last_error.c_str());
    std::fflush(stdout);
    return 0;
}
