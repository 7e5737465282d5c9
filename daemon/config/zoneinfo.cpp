#include "daemon/config/zoneinfo.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace hashsink::config {
namespace {

// The largest TZif file tzdata ships is a few kB.
constexpr std::size_t kMaxZoneBytes = 256 * 1024;

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/')
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '+' &&
            c != '/')
            return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        auto slash = name.find('/', start);
        if (slash == std::string::npos) slash = name.size();
        const std::string part = name.substr(start, slash - start);
        if (part.empty() || part == "." || part == ".." || part.front() == '-') return false;
        start = slash + 1;
    }
    return true;
}

}  // namespace

Result<TimeZone> load_zoneinfo(const std::string& name) {
    if (name.empty() || name == "UTC") return TimeZone{};
    auto fail = [&](const std::string& cause) {
        return Status::error(ErrorCode::invalid, "time zone \"" + name + "\": " + cause, false);
    };
    if (!valid_name(name))
        return fail("not a zone name (like \"Europe/Berlin\" or \"America/Denver\")");
    const char* dir = std::getenv("TZDIR");
    const std::string path =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail(errno == ENOENT ? "unknown zone (no " + path + "; is tzdata installed?)"
                                    : "cannot read " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail("unknown zone (" + path + " is not a zone file)");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read " + path + ": " + std::strerror(errno));
    std::string bytes(kMaxZoneBytes + 1, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.bad()) return fail("cannot read " + path + ": read error");
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxZoneBytes) return fail(path + " is too large for a zone file");
    auto zone = TimeZone::from_tzif(bytes, name);
    if (zone) return zone;
    // "time zone NAME: parse TZif: CAUSE" -> "time zone "NAME": PATH: parse TZif: CAUSE"
    std::string cause = zone.error().message;
    const std::string prefix = "time zone " + name + ": ";
    if (cause.rfind(prefix, 0) == 0) cause.erase(0, prefix.size());
    return fail(path + ": " + cause);
}

}  // namespace hashsink::config
