// Journal throughput: rows/s for readings batches of 50 rows per tick (enqueue and committed),
// and the queue's memory per 100k rows. Prints figures; asserts nothing.
//
//   bench/journal_throughput [ticks]     (default 20000 ticks = 1M rows)
#include <malloc.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/journal/journal.hpp"

using namespace hashsink;
using namespace hashsink::journal;
using Steady = std::chrono::steady_clock;

namespace {

std::vector<ReadingRow> tick_rows() {
    std::vector<ReadingRow> rows;
    for (int i = 0; i < 50; ++i) {
        rows.push_back({"pv.mppt." + std::to_string(i + 1) + ".dc_power_w", 1000.0 + i, "inverter"});
    }
    return rows;
}

double seconds_since(Steady::time_point start) {
    return std::chrono::duration<double>(Steady::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const long ticks = argc > 1 ? std::atol(argv[1]) : 20000;
    char dir_template[] = "/tmp/hashsink-bench-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) return 1;
    auto rows = tick_rows();

    {
        JournalOptions o;
        o.path = std::string(dir) + "/throughput.db";
        auto j = Journal::open(o);
        if (!j) {
            std::fprintf(stderr, "%s\n", j.error().message.c_str());
            return 1;
        }
        TimePoint t = WallClock::now();
        // Enqueue speed: what a tick pays. Chunks of 2000 ticks (100k rows) fit the queue;
        // flushing between chunks measures what the writer commits.
        double enqueue_s = 0;
        auto start = Steady::now();
        for (long done = 0; done < ticks;) {
            auto chunk_start = Steady::now();
            for (long k = 0; k < 2000 && done < ticks; ++k, ++done) {
                (*j)->record_readings(t + std::chrono::milliseconds(done), rows);
            }
            enqueue_s += seconds_since(chunk_start);
            (*j)->flush();
        }
        double total_s = seconds_since(start);
        Stats s = (*j)->stats();
        std::printf("journal throughput: %ld ticks x 50 rows\n", ticks);
        std::printf("  enqueue:   %.0f rows/s (%.2f us per 50-row tick)\n",
                    static_cast<double>(ticks * 50) / enqueue_s, enqueue_s * 1e6 / ticks);
        std::printf("  committed: %.0f rows/s (%llu rows in %llu commits, %llu dropped)\n",
                    static_cast<double>(s.rows_written) / total_s,
                    static_cast<unsigned long long>(s.rows_written),
                    static_cast<unsigned long long>(s.commits),
                    static_cast<unsigned long long>(s.rows_dropped));
    }

    {
        // A writer that does not wake: everything stays queued while we measure.
        JournalOptions o;
        o.path = std::string(dir) + "/memory.db";
        o.commit_interval = std::chrono::hours{1};
        o.batch_rows = 10'000'000;
        auto j = Journal::open(o);
        if (!j) return 1;
        TimePoint t = WallClock::now();
        auto before = mallinfo2().uordblks;
        for (int i = 0; i < 2000; ++i) (*j)->record_readings(t, rows);
        auto after = mallinfo2().uordblks;
        Stats s = (*j)->stats();
        std::printf("queue memory per 100k rows: %.1f MiB measured (heap), %.1f MiB estimated "
                    "(stats.queue_bytes), %zu rows queued\n",
                    static_cast<double>(after - before) / (1 << 20),
                    static_cast<double>(s.queue_bytes) / (1 << 20), s.queue_depth);
    }
    std::string cleanup = std::string("rm -rf ") + dir;
    return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
