#include "web/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "web/auth/password.hpp"

namespace hashsink::web {
namespace {

Status io_error(const std::string& what, const std::string& path) {
    return Status::error(ErrorCode::io, "web: " + what + " " + path + ": " + std::strerror(errno),
                         false);
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& text, unsigned mode) {
    const std::string tmp = path + ".tmp-" + random_hex(4);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return io_error("create", tmp);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            Status st = io_error("write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return st;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        Status st = io_error("fsync", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return st;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        Status st = io_error("rename to", path);
        ::unlink(tmp.c_str());
        return st;
    }
    // The rename itself must survive a power cut.
    int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return io_error("read", path);
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
        return Status::error(ErrorCode::invalid, "web: read " + path + ": file too large", false);
    return text;
}

}  // namespace hashsink::web
