// Child processes for integration tests: run to completion capturing output, or keep a
// server running for the length of a test.
#pragma once

#include <string>
#include <vector>

namespace hashsink::test {

struct RunResult {
    int exit_code = -1;
    std::string out;   // stdout
    std::string err;   // stderr
};

// Runs argv[0] with args and waits (killed after timeout_s).
RunResult run(const std::vector<std::string>& argv, int timeout_s = 60);

// A background child; killed (SIGTERM, then SIGKILL) when destroyed. `env` ("NAME=value")
// is added to the environment the child inherits.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv, const std::string& log_path = "/dev/null",
                   const std::vector<std::string>& env = {});
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    int pid() const { return pid_; }
    bool running();
    void kill(int signal);
    int wait();   // exit status (or 128+signal)

private:
    int pid_ = -1;
    int status_ = -1;
};

std::string temp_dir();                    // a fresh directory under $TMPDIR
// Removes every directory temp_dir() made in this process (the test binaries' main does it
// after a run that passed; a failed run keeps them for the logs its messages name).
void remove_temp_dirs();
// Sanitizer reports (TSan, ASan, LeakSanitizer, UBSan) in the .log files of those directories:
// a daemon a test ran in the background reports there. Empty when none; otherwise each file
// and its first report line.
std::string sanitizer_reports_in_temp_dirs();
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// A secret as a `*_file` key reads it: `secret` and a newline, in a file of a fresh directory.
std::string secret_file(const std::string& secret);

}  // namespace hashsink::test
