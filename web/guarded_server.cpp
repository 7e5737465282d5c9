#include "web/guarded_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace hashsink::web {

using SteadyClock = std::chrono::steady_clock;

// httplib's task queue, replaced: a thread per connection, at most `max` at once. One more
// closes the connection that has waited longest on its client (idle, or a request still coming
// in); a connection whose handler runs is never closed early.
class ConnectionPool : public httplib::TaskQueue {
public:
    // made_room: told (outside the lock) each time a connection is closed to make room.
    ConnectionPool(std::size_t max, std::function<void()> made_room)
        : max_(std::max<std::size_t>(max, 1)), made_room_(std::move(made_room)) {}

    void enqueue(std::function<void()> fn) override {
        std::unique_lock lock(mu_);
        bool closed_one = false;
        while (threads_ >= max_ && !stopping_) {
            // Room for one more: close the connection waiting longest. Its thread ends soon;
            // up to max_ / 4 such threads may still run, so the listener need not wait for each.
            if (threads_ < max_ + max_ / 4 && close_longest_waiting()) {
                closed_one = true;
                break;
            }
            // Bounded: a closed connection's thread ends at once; a handler within its timeouts.
            cv_.wait_for(lock, std::chrono::milliseconds(50));
        }
        ++threads_;
        lock.unlock();
        if (closed_one) made_room_();
        std::thread([this, fn = std::move(fn)] {
            fn();
            std::lock_guard done(mu_);
            --threads_;
            cv_.notify_all();
        }).detach();
    }

    void shutdown() override {
        std::unique_lock lock(mu_);
        stopping_ = true;
        for (auto& [fd, c] : conns_) ::shutdown(fd, SHUT_RDWR);
        cv_.wait(lock, [this] { return threads_ == 0; });
    }

    // A new request or idle period starts on fd: it waits from now.
    void begin(int fd) {
        std::lock_guard lock(mu_);
        auto& c = conns_[fd];
        c.since = SteadyClock::now();
        if (stopping_) ::shutdown(fd, SHUT_RDWR);
    }
    // Whether fd's thread is blocked on its client (and so may be closed to make room).
    void waiting(int fd, bool on) {
        std::lock_guard lock(mu_);
        conns_[fd].waiting = on;
    }
    void end(int fd) {
        std::lock_guard lock(mu_);
        conns_.erase(fd);
    }

private:
    struct Conn {
        SteadyClock::time_point since;
        bool waiting = false;
        bool closing = false;
    };
    bool close_longest_waiting() {
        auto oldest = conns_.end();
        for (auto it = conns_.begin(); it != conns_.end(); ++it) {
            if (!it->second.waiting || it->second.closing) continue;
            if (oldest == conns_.end() || it->second.since < oldest->second.since) oldest = it;
        }
        if (oldest == conns_.end()) return false;
        oldest->second.closing = true;
        ::shutdown(oldest->first, SHUT_RDWR);  // its thread wakes, fails its read and ends
        return true;
    }

    std::mutex mu_;
    std::condition_variable cv_;
    const std::size_t max_;
    const std::function<void()> made_room_;
    std::size_t threads_ = 0;
    bool stopping_ = false;
    std::unordered_map<int, Conn> conns_;
};

namespace {

bool poll_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, std::max(timeout_ms, 0)) > 0;
}

void endpoint(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if ((peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        port = ntohs(in6->sin6_port);
    }
    ip = text;
}

// One connection's socket as httplib reads and writes it: buffered reads that stop at the
// request's deadline and byte budgets (head, then body), poll() rather than select().
class ConnectionStream : public httplib::Stream {
public:
    struct Timeouts {
        int read_ms, write_ms;
        std::chrono::seconds request_deadline;
    };
    ConnectionStream(int fd, ConnectionPool& pool, Timeouts t, std::size_t head_max,
                     std::size_t body_max)
        : fd_(fd), pool_(pool), t_(t), head_max_(head_max), body_max_(body_max) {}

    // True when a request's first bytes are buffered or arrive within `idle`.
    bool wait_for_request(std::chrono::seconds idle) {
        pool_.begin(fd_);
        if (pos_ < len_) return true;
        pool_.waiting(fd_, true);
        bool ready = poll_for(fd_, POLLIN, static_cast<int>(idle.count() * 1000));
        pool_.waiting(fd_, false);
        return ready;
    }
    void begin_request() {
        pool_.begin(fd_);
        deadline_ = SteadyClock::now() + t_.request_deadline;
        in_head_ = true;
        head_used_ = body_used_ = 0;
        matched_ = 0;
        timed_out_ = false;
    }
    // A read ran into the deadline or a budget: the connection cannot be trusted further.
    bool failed() const { return failed_; }
    // The answer refused a request that could not be read whole (a broken request line or
    // header, a bad or too large length): the bytes after it on the connection cannot be trusted
    // to start a request, so the connection ends with this answer rather than parse them as one.
    bool refused() const { return refused_; }
    // Refused as too large (413, 414, 431) rather than unreadable (400, 411).
    bool refused_as_too_large() const { return refused_too_large_; }

    // Why a read failed, when it did: the client was too slow, or sent too much.
    bool timed_out() const { return timed_out_; }
    bool over_budget() const { return over_budget_; }

    bool is_readable() const override {
        if (pos_ < len_) return true;
        const bool ready = poll_for(fd_, POLLIN, read_wait_ms());
        timed_out_ = timed_out_ || !ready;
        return ready;
    }
    bool is_writable() const override { return poll_for(fd_, POLLOUT, t_.write_ms); }
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override {
        if (!is_writable()) return -1;
        note_answer(std::string_view(ptr, size));
        return ::send(fd_, ptr, size, MSG_NOSIGNAL);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        endpoint(fd_, true, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        endpoint(fd_, false, ip, port);
    }
    socket_t socket() const override { return fd_; }

private:
    int read_wait_ms() const {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
        return static_cast<int>(std::min<long long>(left.count(), t_.read_ms));
    }
    bool fill();
    void note_answer(std::string_view bytes) {
        constexpr std::string_view kStatusLine = "HTTP/1.1 ";
        if (bytes.substr(0, kStatusLine.size()) != kStatusLine || bytes.size() < 12) return;
        const std::string_view status = bytes.substr(kStatusLine.size(), 3);
        for (std::string_view unreadable : {"400", "411", "413", "414", "431"})
            refused_ = refused_ || status == unreadable;
        for (std::string_view too_large : {"413", "414", "431"})
            refused_too_large_ = refused_too_large_ || status == too_large;
    }
    // How many of the next `n` buffered bytes belong to the head; stops at its blank line.
    std::size_t head_part(std::size_t n);

    int fd_;
    ConnectionPool& pool_;
    Timeouts t_;
    std::size_t head_max_, body_max_;
    char buf_[4096];
    std::size_t pos_ = 0, len_ = 0;
    SteadyClock::time_point deadline_{};
    bool in_head_ = true, failed_ = false, refused_ = false, over_budget_ = false;
    bool refused_too_large_ = false;
    mutable bool timed_out_ = false;
    std::size_t head_used_ = 0, body_used_ = 0;
    int matched_ = 0;  // how much of "\r\n\r\n" the head's last bytes matched
};

bool ConnectionStream::fill() {
    pool_.waiting(fd_, true);
    bool ready = poll_for(fd_, POLLIN, read_wait_ms());
    pool_.waiting(fd_, false);
    timed_out_ = timed_out_ || !ready;
    auto n = ready ? ::recv(fd_, buf_, sizeof buf_, 0) : -1;
    if (n <= 0) {
        failed_ = true;
        return false;
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(n);
    return true;
}

std::size_t ConnectionStream::head_part(std::size_t n) {
    static constexpr char kEnd[] = "\r\n\r\n";
    for (std::size_t i = 0; i < n; ++i) {
        char c = buf_[pos_ + i];
        matched_ = c == kEnd[matched_] ? matched_ + 1 : (c == '\r' ? 1 : 0);
        if (matched_ == 4) {
            in_head_ = false;
            return i + 1;
        }
    }
    return n;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
    if (pos_ == len_ && !fill()) return -1;
    std::size_t n = std::min(size, len_ - pos_);
    if (in_head_) {
        n = head_part(n);
        head_used_ += n;
    } else {
        body_used_ += n;
    }
    if (head_used_ > head_max_ || body_used_ > body_max_) {
        failed_ = over_budget_ = true;
        return -1;
    }
    std::copy_n(buf_ + pos_, n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
}

}  // namespace

GuardedServer::GuardedServer(ConnectionLimits limits) : limits_(limits) {
    // listen_after_bind() makes the queue and deletes it after shutdown(), which waits for
    // every connection's thread, so pool_ outlives each use.
    new_task_queue = [this] {
        pool_ =
            new ConnectionPool(limits_.max_connections, [this] { count_closed(to_make_room_); });
        return pool_;
    };
}

GuardedServer::~GuardedServer() = default;

void GuardedServer::widen_backlog() { ::listen(svr_sock_, limits_.listen_backlog); }

ClosedConnections GuardedServer::closed() const {
    return {to_make_room_.load(), too_slow_.load(), too_large_.load(), unreadable_.load()};
}

void GuardedServer::count_closed(std::atomic<std::uint64_t>& cause) {
    ++cause;
    if (!report_) return;
    ClosedConnections since;
    {
        std::lock_guard lock(report_mu_);
        const auto now = SteadyClock::now();
        if (last_report_ != SteadyClock::time_point{} &&
            now - last_report_ < std::chrono::minutes(1))
            return;
        const ClosedConnections total = closed();
        since = {total.to_make_room - reported_.to_make_room, total.too_slow - reported_.too_slow,
                 total.too_large - reported_.too_large, total.unreadable - reported_.unreadable};
        reported_ = total;
        last_report_ = now;
    }
    report_(since);
}

// httplib's own version (private, so not callable from here) waits with select() and has no
// deadline for a request; this one is the same keep-alive loop around process_request.
bool GuardedServer::process_and_close_socket(socket_t sock) {
    ++open_;
    ConnectionStream strm(sock, *pool_,
                          {static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
                           static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000),
                           limits_.request_deadline},
                          limits_.max_head_bytes, payload_max_length_);
    bool ok = false;
    for (auto left = keep_alive_max_count_;
         left > 0 && is_running() &&
         strm.wait_for_request(std::chrono::seconds(keep_alive_timeout_sec_));
         --left) {
        strm.begin_request();
        bool closed = false;
        ok = process_request(strm, left == 1, closed, nullptr);
        if (!ok || closed || strm.failed() || strm.refused()) break;
    }
    // One cause per connection; a request cut off at its deadline may also have had a 400.
    if (strm.over_budget() || strm.refused_as_too_large())
        count_closed(too_large_);
    else if (strm.timed_out())
        count_closed(too_slow_);
    else if (strm.refused())
        count_closed(unreadable_);
    pool_->end(sock);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    --open_;
    return ok;
}

}  // namespace hashsink::web
