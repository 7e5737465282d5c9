// A small argument parser shared by the subcommands: "--name value", "--flag", "--help".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/core/time.hpp"

namespace hashsink::app {

inline constexpr int kExitUsage = 64;        // EX_USAGE
inline constexpr int kExitDataErr = 65;      // EX_DATAERR
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE

// A whole-number option: the range a given value must be in and the value when it is absent
// (not checked, so -1 can stand for "not given").
struct IntRange {
    long min;
    long max;
    long fallback;
};

// A duration option ("2s", "500ms"): the range a given value must be in (max zero: no upper
// bound) and the text of the value when it is absent.
struct DurationRange {
    Duration min;
    Duration max;
    std::string fallback;
};

struct OptionSpec {
    std::string name;        // without the leading dashes
    std::string value_name;  // empty for a flag
    std::string help;
    // How Command::int_value or Command::duration_value reads it; none for text and flags.
    std::variant<std::monostate, IntRange, DurationRange> range = {};
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

// The values of a command's options declared with an IntRange or a DurationRange, each in its
// range or its fallback.
class OptionValues {
public:
    long integer(const std::string& name) const { return ints_.at(name); }
    int small(const std::string& name) const { return static_cast<int>(ints_.at(name)); }
    Duration duration(const std::string& name) const { return durations_.at(name); }

private:
    friend class Command;
    std::map<std::string, long> ints_;
    std::map<std::string, Duration> durations_;
};

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
    // The usage on stderr, after messages already printed; returns 64.
    int usage_exit() const;
    // The message on stderr; returns code.
    int fail(const std::string& message, int code) const;
    // The option declared with an IntRange, in range or its fallback when absent; nullopt
    // when it is out of range or not a number, with a message ("--port must be 1..65535").
    std::optional<long> int_value(const std::string& name) const;
    // The same for an option declared with a DurationRange.
    std::optional<Duration> duration_value(const std::string& name) const;
    // Every option declared with a range, read as above; nullopt after a message for each
    // bad one.
    std::optional<OptionValues> values() const;

private:
    std::string name_, synopsis_, summary_;
    const OptionSpec& spec(const std::string& name) const;

    const std::vector<OptionSpec>& specs_;
    Args args_;
};

}  // namespace hashsink::app
