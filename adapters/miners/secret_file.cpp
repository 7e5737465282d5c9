#include "adapters/miners/secret_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace hashsink::miners {

Result<std::string> read_secret_file(const std::string& path, const std::string& key) {
    const std::string what = "read " + key + " " + path + ": ";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Status::error(ErrorCode::io,
                             what + "cannot open (" + std::strerror(errno) + ")", true);
    }
    std::string content;
    char buf[4097];
    in.read(buf, sizeof buf);
    content.assign(buf, static_cast<std::size_t>(in.gcount()));
    if (content.size() > 4096) {
        return Status::error(ErrorCode::invalid, what + "larger than 4096 bytes", false);
    }
    if (auto nl = content.find_first_of("\r\n"); nl != std::string::npos) content.erase(nl);
    while (!content.empty() && (content.back() == ' ' || content.back() == '\t'))
        content.pop_back();
    return content;
}

}  // namespace hashsink::miners
