#include "adapters/transport/modbus_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <thread>

#include "adapters/transport/open_files.hpp"

namespace hashsink::transport {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

void set_timeout(modbus_t* ctx, Duration d) {
    auto us = std::max<std::int64_t>(duration_cast<microseconds>(d).count(), 1000);
    auto sec = static_cast<std::uint32_t>(us / 1'000'000);
    auto usec = static_cast<std::uint32_t>(us % 1'000'000);
    modbus_set_response_timeout(ctx, sec, usec);
    modbus_set_byte_timeout(ctx, sec, usec);
}

// Connects to ip:port within `timeout` and returns the socket on a low descriptor (libmodbus
// waits on it with select(), see open_files.hpp), or an errno; EAFNOSUPPORT when `ip` is not an
// IPv4 address (libmodbus's own connect then reports it). libmodbus's connect would wait with
// select() too, before the socket could be moved.
int connect_tcp(const std::string& ip, int port, Duration timeout, int& fd_out) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return EAFNOSUPPORT;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    auto failed = [&fd](int err) {
        ::close(fd);
        return err;
    };
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS) return failed(errno);
        pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
        const int ready =
            ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(timeout.count(), 1)));
        if (ready <= 0) return failed(ready == 0 ? ETIMEDOUT : errno);
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return failed(err);
    }
    // As libmodbus sets up its own: blocking (it waits with select()), no Nagle delay.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto low = to_low_descriptor(fd);
    if (!low) return EMFILE;  // fd is closed
    fd_out = *low;
    return 0;
}

std::string range(int addr, int count) {
    return std::to_string(addr) + "+" + std::to_string(count);
}

}  // namespace

ErrorCode modbus_error_code(int err) noexcept {
    if (err == ETIMEDOUT || err == EAGAIN) return ErrorCode::timeout;
    if (err >= EMBXILFUN && err <= EMBXGTAR) return ErrorCode::rejected;
    if (err >= EMBBADCRC && err <= EMBBADSLAVE) return ErrorCode::protocol;
    if (err == EINVAL) return ErrorCode::invalid;
    return ErrorCode::unreachable;
}

ModbusClient::ModbusClient(ModbusEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

ModbusClient::~ModbusClient() { disconnect(); }

std::string ModbusEndpoint::link_key() const {
    return rtu() ? "rtu:" + device : "tcp:" + host + ":" + std::to_string(port);
}

std::string ModbusClient::name() const {
    if (endpoint_.rtu()) return "modbus " + endpoint_.device;
    return "modbus " + endpoint_.host + ":" + std::to_string(endpoint_.port);
}

void ModbusClient::pace() noexcept {
    if (endpoint_.pace.count() <= 0 || last_request_end_ == SteadyTime{}) return;
    auto ready = last_request_end_ + endpoint_.pace;
    // Never sleep past the caller's deadline; the request then fails on it in prepare().
    if (ready > deadline_) ready = deadline_;
    std::this_thread::sleep_until(ready);
}

void ModbusClient::request_done() noexcept {
    ++requests_;
    last_request_end_ = std::chrono::steady_clock::now();
}

void ModbusClient::disconnect() noexcept {
    if (ctx_ == nullptr) return;
    // Not modbus_close(): the descriptor may be a reserved low one, which goes back to the
    // reserve instead of being freed for any other thread to take.
    const int fd = modbus_get_socket(ctx_);
    modbus_set_socket(ctx_, -1);
    if (fd >= 0 && !endpoint_.rtu()) ::shutdown(fd, SHUT_RDWR);
    close_low_descriptor(fd);
    modbus_free(ctx_);
    ctx_ = nullptr;
}

Status ModbusClient::fail(const std::string& operation, int err) noexcept {
    ErrorCode code = modbus_error_code(err);
    std::string msg = name() + ": " + operation + ": " + modbus_strerror(err);
    // An exception is the device's own answer: say which unit gave it and its code, as the
    // device's manual lists them (0x02 illegal address, 0x06 busy, ...).
    last_exception_ = code == ErrorCode::rejected ? err - MODBUS_ENOBASE : 0;
    // A silent peer (half-open, or slower than the timeout) and a slow one look alike: say how
    // long it was given.
    if (code == ErrorCode::timeout)
        msg = name() + ": " + operation + ": no answer within " +
              std::to_string(applied_timeout_.count()) + " ms (" + modbus_strerror(err) + ")";
    if (code == ErrorCode::rejected) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", last_exception_);
        msg = name() + ": " + operation + ": unit " + std::to_string(endpoint_.unit) +
              " answered exception " + hex + " (" + modbus_strerror(err) + ")";
    }
    // A Modbus exception is a well-formed answer: the connection stays usable. Anything else may
    // leave the stream out of step, so start over with a fresh connection (after a backoff).
    // On a serial bus a silent or garbled unit says nothing about the others sharing the line:
    // drop what is buffered and keep the port open; only a failing port is reopened.
    if (endpoint_.rtu() && ctx_ != nullptr &&
        (code == ErrorCode::timeout || code == ErrorCode::protocol)) {
        modbus_flush(ctx_);
        return Status::error(code, std::move(msg), true);
    }
    if (code != ErrorCode::rejected) {
        disconnect();
        backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
        next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    }
    return Status::error(code, std::move(msg), code != ErrorCode::rejected);
}

Status ModbusClient::ensure_connected(const std::string& operation) noexcept {
    if (ctx_ != nullptr) return Status::success();
    auto now = std::chrono::steady_clock::now();
    if (now < next_attempt_) {
        auto wait_ms = duration_cast<Duration>(next_attempt_ - now).count();
        return Status::error(ErrorCode::unreachable,
                             name() + ": " + operation + ": not connected (next attempt in " +
                                 std::to_string(wait_ms) + " ms)");
    }
    if (endpoint_.rtu()) {
        const char parity = endpoint_.parity;
        if ((parity != 'N' && parity != 'E' && parity != 'O') || endpoint_.data_bits < 5 ||
            endpoint_.data_bits > 8 || endpoint_.stop_bits < 1 || endpoint_.stop_bits > 2 ||
            endpoint_.baud <= 0)
            return Status::error(ErrorCode::invalid,
                                 name() + ": " + operation + ": bad serial settings", false);
        ctx_ = modbus_new_rtu(endpoint_.device.c_str(), endpoint_.baud, parity,
                              endpoint_.data_bits, endpoint_.stop_bits);
    } else {
        ctx_ = modbus_new_tcp(endpoint_.host.c_str(), endpoint_.port);
    }
    if (ctx_ == nullptr) {
        return Status::error(ErrorCode::invalid,
                             name() + ": " + operation + ": " + modbus_strerror(errno), false);
    }
    // Connect is bounded by the response timeout too (libmodbus waits for it in select()).
    Duration timeout = endpoint_.response_timeout;
    if (deadline_ != SteadyTime::max())
        timeout = std::min(timeout, duration_cast<Duration>(deadline_ - now));
    applied_timeout_ = std::max(timeout, Duration{1});
    set_timeout(ctx_, timeout);
    int fd = -1;
    const int tcp_err =
        endpoint_.rtu() ? EAFNOSUPPORT : connect_tcp(endpoint_.host, endpoint_.port, timeout, fd);
    if (tcp_err != 0 && tcp_err != EAFNOSUPPORT) return fail(operation, tcp_err);
    if (fd < 0) {
        // A serial port (or a host libmodbus will refuse): its own open, then a low descriptor.
        if (modbus_connect(ctx_) != 0) {
            int err = errno;
            return fail(operation, err == EINPROGRESS ? ETIMEDOUT : err);
        }
        auto low = to_low_descriptor(modbus_get_socket(ctx_));
        if (!low) {
            modbus_set_socket(ctx_, -1);  // closed by to_low_descriptor
            return fail(operation, EMFILE);
        }
        fd = *low;
    }
    modbus_set_socket(ctx_, fd);
    ++connects_;
    return Status::success();
}

Status ModbusClient::prepare(const std::string& operation) noexcept {
    if (endpoint_.unit < 0 || endpoint_.unit > 255)
        return Status::error(ErrorCode::invalid, name() + ": " + operation + ": bad unit id", false);
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline_)
        return Status::error(ErrorCode::timeout, name() + ": " + operation + ": deadline passed");
    if (auto st = ensure_connected(operation); !st) return st;
    Duration timeout = endpoint_.response_timeout;
    if (deadline_ != SteadyTime::max())
        timeout = std::min(timeout, duration_cast<Duration>(deadline_ - now));
    applied_timeout_ = std::max(timeout, Duration{1});
    set_timeout(ctx_, timeout);
    modbus_set_slave(ctx_, endpoint_.unit);
    return Status::success();
}

Result<std::vector<std::uint16_t>> ModbusClient::read_holding_registers(int addr,
                                                                        int count) noexcept {
    return read_registers(RegisterTable::holding, addr, count);
}

Result<std::vector<std::uint16_t>> ModbusClient::read_input_registers(int addr,
                                                                      int count) noexcept {
    return read_registers(RegisterTable::input, addr, count);
}

Result<std::vector<std::uint16_t>> ModbusClient::read_registers(RegisterTable table, int addr,
                                                                int count) noexcept {
    const char* verb = table == RegisterTable::input ? "read input " : "read ";
    std::string op = verb + range(addr, count);
    if (addr < 0 || count < 0 || addr + count > 65536)
        return Status::error(ErrorCode::invalid, name() + ": " + op + ": out of range", false);
    try {
        std::vector<std::uint16_t> out(static_cast<std::size_t>(count));
        int done = 0;
        while (done < count) {
            int n = std::min(count - done, kMaxRegistersPerRead);
            std::string part = verb + range(addr + done, n);
            pace();
            if (auto st = prepare(part); !st) return st;
            int answered_unit = endpoint_.unit;
            int got =
                endpoint_.rtu()
                    ? (table == RegisterTable::input
                           ? modbus_read_input_registers(ctx_, addr + done, n, out.data() + done)
                           : modbus_read_registers(ctx_, addr + done, n, out.data() + done))
                    : read_tcp(table, addr + done, n, out.data() + done, answered_unit);
            int err = errno;
            request_done();
            if (got < 0 && err == EMBBADSLAVE) {
                Status st = fail(part, err);
                st.message = name() + ": " + part + ": answer from unit " +
                             std::to_string(answered_unit) + " (asked unit " +
                             std::to_string(endpoint_.unit) + ")";
                return st;
            }
            if (got < 0) return fail(part, err);
            if (got != n) return fail(part, EMBMDATA);
            done += n;
        }
        backoff_ = Duration{0};
        return out;
    } catch (const std::bad_alloc&) {
        return Status::error(ErrorCode::io, name() + ": " + op + ": out of memory", false);
    }
}

int ModbusClient::read_tcp(RegisterTable table, int addr, int n, std::uint16_t* dest,
                           int& answered_unit) noexcept {
    // libmodbus checks a TCP answer's transaction id but not its unit id, so a gateway answering
    // for another unit would pass that unit's registers off as the one asked. The request goes
    // out raw (libmodbus sends it with transaction id 0) and the answer is checked here.
    const int function = table == RegisterTable::input ? MODBUS_FC_READ_INPUT_REGISTERS
                                                       : MODBUS_FC_READ_HOLDING_REGISTERS;
    const std::uint8_t request[6] = {
        static_cast<std::uint8_t>(endpoint_.unit), static_cast<std::uint8_t>(function),
        static_cast<std::uint8_t>(addr >> 8),      static_cast<std::uint8_t>(addr & 0xFF),
        static_cast<std::uint8_t>(n >> 8),         static_cast<std::uint8_t>(n & 0xFF)};
    if (modbus_send_raw_request(ctx_, request, sizeof request) < 0) return -1;
    std::uint8_t answer[MODBUS_TCP_MAX_ADU_LENGTH];
    const int length = modbus_receive_confirmation(ctx_, answer);
    if (length < 0) return -1;
    constexpr int kHeader = 7;  // transaction id, protocol id, length, unit id
    if (length < kHeader + 2 || answer[0] != 0 || answer[1] != 0 || answer[2] != 0 ||
        answer[3] != 0) {
        errno = EMBBADDATA;
        return -1;
    }
    answered_unit = answer[kHeader - 1];
    if (answered_unit != endpoint_.unit) {
        errno = EMBBADSLAVE;
        return -1;
    }
    if (answer[kHeader] == (function | 0x80)) {
        errno = MODBUS_ENOBASE + answer[kHeader + 1];
        return -1;
    }
    if (answer[kHeader] != function || answer[kHeader + 1] != 2 * n ||
        length != kHeader + 2 + 2 * n) {
        errno = EMBBADDATA;
        return -1;
    }
    for (int i = 0; i < n; ++i)
        dest[i] = static_cast<std::uint16_t>((answer[kHeader + 2 + 2 * i] << 8) |
                                             answer[kHeader + 3 + 2 * i]);
    return n;
}

Status ModbusClient::write_register(int addr, std::uint16_t value) noexcept {
    std::string op = "write " + std::to_string(addr);
    if (addr < 0 || addr > 65535)
        return Status::error(ErrorCode::invalid, name() + ": " + op + ": out of range", false);
    pace();
    if (auto st = prepare(op); !st) return st;
    int rc = modbus_write_register(ctx_, addr, value);
    int err = errno;
    request_done();
    if (rc != 1) return fail(op, err);
    backoff_ = Duration{0};
    return Status::success();
}

Status ModbusClient::write_registers(int addr, const std::vector<std::uint16_t>& values) noexcept {
    int count = static_cast<int>(values.size());
    std::string op = "write " + range(addr, count);
    if (addr < 0 || count < 1 || count > 123 || addr + count > 65536)
        return Status::error(ErrorCode::invalid, name() + ": " + op + ": out of range", false);
    pace();
    if (auto st = prepare(op); !st) return st;
    int rc = modbus_write_registers(ctx_, addr, count, values.data());
    int err = errno;
    request_done();
    if (rc != count) return fail(op, err);
    backoff_ = Duration{0};
    return Status::success();
}

}  // namespace hashsink::transport
