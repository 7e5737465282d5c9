#include "adapters/transport/open_files.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string>

namespace hashsink::transport {
namespace {

// The reserve: descriptors that are always open (on /dev/null while free), so the kernel never
// hands their numbers to anyone else.
struct LowReserve {
    std::mutex mutex;
    std::set<int> owned, free;
    int null_fd = -1;
};

LowReserve& reserve() {
    static LowReserve r;
    return r;
}

}  // namespace

std::size_t raise_open_file_limit(std::size_t wanted) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    const rlim_t target = wanted == 0 ? lim.rlim_max : std::min<rlim_t>(wanted, lim.rlim_max);
    if (lim.rlim_cur < target) {
        lim.rlim_cur = target;
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    return static_cast<std::size_t>(lim.rlim_cur);
}

std::size_t reserve_low_descriptors(std::size_t count) {
    auto& r = reserve();
    std::lock_guard lock(r.mutex);
    if (r.null_fd < 0) r.null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    while (r.null_fd >= 0 && r.owned.size() < count) {
        const int fd = ::fcntl(r.null_fd, F_DUPFD_CLOEXEC, 0);  // the lowest free number
        if (fd < 0) break;
        if (fd >= FD_SETSIZE) {
            ::close(fd);
            break;
        }
        r.owned.insert(fd);
        r.free.insert(fd);
    }
    return r.owned.size();
}

Result<int> to_low_descriptor(int fd) {
    if (fd < FD_SETSIZE) return fd;
    auto& r = reserve();
    std::lock_guard lock(r.mutex);
    if (r.free.empty()) {
        ::close(fd);
        return Status::error(ErrorCode::io,
                             "descriptor " + std::to_string(fd) + " is past select()'s limit of " +
                                 std::to_string(FD_SETSIZE) + " and no low one is free",
                             true);
    }
    const int low = *r.free.begin();
    // dup2 replaces the placeholder in one step: the number is never free for another thread.
    if (::dup3(fd, low, O_CLOEXEC) < 0) {
        ::close(fd);
        return Status::error(ErrorCode::io, "dup3 onto descriptor " + std::to_string(low), true);
    }
    ::close(fd);
    r.free.erase(low);
    return low;
}

void close_low_descriptor(int fd) {
    if (fd < 0) return;
    auto& r = reserve();
    std::lock_guard lock(r.mutex);
    if (r.owned.count(fd) != 0 && r.null_fd >= 0 && ::dup3(r.null_fd, fd, O_CLOEXEC) >= 0) {
        r.free.insert(fd);  // a placeholder again
        return;
    }
    ::close(fd);
}

}  // namespace hashsink::transport
