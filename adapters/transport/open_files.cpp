#include "adapters/transport/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace hashsink::transport {

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

}  // namespace hashsink::transport
