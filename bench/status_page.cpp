// The real web server and page with a status of N S19-like miners on its board, one in ten
// offline with an error, published again every second as a new tick: what bench/status_render.sh
// opens in Chromium to time the page at 10,000 miners (docs/performance.md).
//   build/bench/status_page --serve 10000    prints "port <n>", serves until stdin closes
// Without --serve (as `make bench` runs every bench) it says so and exits.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "tests/support/status_fleet.hpp"
#include "web/server.hpp"

using namespace hashsink;

int main(int argc, char** argv) {
    if (argc != 3 || std::strcmp(argv[1], "--serve") != 0) {
        std::printf(
            "status_page: serves the page for bench/status_render.sh "
            "(usage: status_page --serve MINERS)\n");
        return 0;
    }
    const long miners = std::strtol(argv[2], nullptr, 10);
    if (miners < 0 || miners > 1'000'000) {
        std::fprintf(stderr, "status_page: MINERS: expected 0 to 1000000, got '%s'\n", argv[2]);
        return 2;
    }
    SystemClock clock;
    auto status = test::s19_fleet_status(static_cast<std::size_t>(miners));
    for (std::size_t i = 0; i < status.miners.size(); i += 10) {
        status.miners[i].online = false;
        status.miners[i].last_error = "connect: refused";
    }
    loop::StatusBoard board;
    web::WebServer server(board, clock);
    if (auto started = server.start("127.0.0.1:0"); !started) {
        std::fprintf(stderr, "status_page: %s\n", started.message.c_str());
        return 1;
    }
    std::atomic<bool> serving{true};
    std::thread ticks([&] {
        while (serving) {
            ++status.tick;
            status.at = clock.now();
            board.publish(std::make_shared<const loop::LoopStatus>(status));
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    });
    std::printf("port %d\n", server.port());
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    serving = false;
    ticks.join();
    server.stop();
    return 0;
}
