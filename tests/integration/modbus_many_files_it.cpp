// libmodbus waits with select(), which cannot take a descriptor past 1023 (glibc aborts the
// process). A daemon with thousands of miner connections open must still read its Modbus
// meter: the client and the emulator's server move their sockets onto low descriptors kept in
// reserve. Each test case runs in a process of its own (one CTest entry each).
#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "adapters/transport/modbus_client.hpp"
#include "adapters/transport/open_files.hpp"
#include "emulators/sensors/modbus_register_emulator.hpp"

using namespace hashsink;

namespace {

// Opens descriptors until the next one would be past `above`; closes them when destroyed.
struct ManyFiles {
    std::vector<int> fds;
    explicit ManyFiles(int above) {
        while (true) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            REQUIRE(fd >= 0);
            fds.push_back(fd);
            if (fd > above) break;
        }
    }
    ~ManyFiles() {
        for (int fd : fds) ::close(fd);
    }
};

}  // namespace

TEST_CASE(
    "modbus: with every descriptor below 1024 taken, a client reads and writes a server "
    "through the low ones kept in reserve",
    "[modbus][files]") {
    REQUIRE(transport::raise_open_file_limit(4096) >= 2048);
    REQUIRE(transport::reserve_low_descriptors(4) == 4);
    ManyFiles taken(FD_SETSIZE + 100);  // every number below 1024 is in use now

    sensors::RegisterEmulator server;
    REQUIRE(server.start().ok());
    server.set_registers(1, transport::RegisterTable::holding, 100, {7, 8, 9});
    for (int round = 0; round < 3; ++round) {  // connections come and go: the reserve refills
        transport::ModbusClient client({.host = "127.0.0.1", .port = server.port(), .unit = 1});
        auto words = client.read_holding_registers(100, 3);
        REQUIRE(words);
        const std::uint16_t middle = round == 0 ? 8 : static_cast<std::uint16_t>(19 + round);
        CHECK(*words == std::vector<std::uint16_t>{7, middle, 9});  // the last round's write
        REQUIRE(client.write_register(101, static_cast<std::uint16_t>(20 + round)));
        auto again = client.read_holding_registers(101, 1);
        REQUIRE(again);
        CHECK((*again)[0] == 20 + round);
    }
}

TEST_CASE("modbus: past the reserve a connection fails with an error, not an abort",
          "[modbus][files]") {
    REQUIRE(transport::raise_open_file_limit(4096) >= 2048);
    sensors::RegisterEmulator server;  // before the numbers run out: its listener is low
    REQUIRE(server.start().ok());
    ManyFiles taken(FD_SETSIZE + 100);  // no reserve in this process
    transport::ModbusClient client({.host = "127.0.0.1", .port = server.port(), .unit = 1});
    auto words = client.read_holding_registers(0, 1);
    REQUIRE_FALSE(words);
    CHECK(words.error().message.find("127.0.0.1") != std::string::npos);
}
