// A small argument parser shared by the subcommands: "--name value", "--flag", "--help".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hashsink::app {

inline constexpr int kExitUsage = 64;  // EX_USAGE

struct OptionSpec {
    std::string name;        // without the leading dashes
    std::string value_name;  // empty for a flag
    std::string help;
};

class Args {
public:
    // Parses args against specs. On error, prints usage to stderr and sets error().
    Args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

    bool has(const std::string& name) const { return values_.count(name) != 0; }
    std::string get(const std::string& name, const std::string& fallback = {}) const;
    std::optional<long> get_int(const std::string& name) const;  // nullopt when absent or bad
    const std::vector<std::string>& positional() const { return positional_; }
    const std::string& error() const { return error_; }
    bool help() const { return has("help"); }

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
    std::string error_;
};

// "Usage: hashsink <command> ..." with one line per option.
std::string usage(const std::string& synopsis, const std::string& summary,
                  const std::vector<OptionSpec>& specs);

// --<name> as a whole number in min..max, fallback (unchecked) when absent; nullopt when it is
// not a number or out of range.
std::optional<long> int_option(const Args& args, const std::string& name, long min, long max,
                               long fallback);

// A command's arguments parsed against its options, with its usage and its messages, which
// read "hashsink <name>: <message>".
class Command {
public:
    Command(std::string name, std::string synopsis, std::string summary,
            const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv)
        : name_(std::move(name)),
          synopsis_(std::move(synopsis)),
          summary_(std::move(summary)),
          specs_(specs),
          args_(argv, specs) {}

    const Args& args() const { return args_; }
    // The exit code to return now when help was asked for or the arguments do not parse.
    std::optional<int> early_exit() const;
    // The message and the usage on stderr; returns 64 (EX_USAGE).
    int usage_error(const std::string& message) const;
    // The message on stderr; returns code.
    int fail(const std::string& message, int code) const;

private:
    std::string name_, synopsis_, summary_;
    const std::vector<OptionSpec>& specs_;
    Args args_;
};

// Common shape of a subcommand body: parse, print help, report usage errors (exit 64).
// Returns nullopt when the command should continue, or the exit code to return now.
std::optional<int> handle_common(const Args& args, const std::string& synopsis,
                                 const std::string& summary, const std::vector<OptionSpec>& specs);

}  // namespace hashsink::app
