// Where profiles come from: a *.toml file in the profiles directory (installed with the daemon,
// or given in the config), else the copy of each shipped profile embedded in the binary, so
// `hashsink` works from the build tree and a new device needs only a new file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/sensors/profiles/modbus_profile.hpp"

namespace hashsink::sensors::profiles {

struct EmbeddedProfile {
    const char* name;  // file name without .toml
    const char* text;
};
// Generated at build time from adapters/sensors/profiles/*.toml.
const std::vector<EmbeddedProfile>& embedded_profiles();

// The installed profiles directory (e.g. /usr/local/share/hashsink/profiles).
std::string default_profile_dir();

// Loads profile `name`: dir/<name>.toml when it exists (dir empty: the default), else the
// embedded one. A name is letters, digits, '_' and '-'.
Result<Profile> load_profile(const std::string& name, const std::string& dir = {});
// Loads a profile from an explicit file path.
Result<Profile> load_profile_file(const std::string& path);
// Names of every available profile (directory and embedded), sorted, without duplicates.
std::vector<std::string> profile_names(const std::string& dir = {});

}  // namespace hashsink::sensors::profiles
