#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace hashsink::test {
namespace {
std::vector<char*> to_argv(const std::vector<std::string>& args) {
    std::vector<char*> out;
    for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}
int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
}  // namespace

RunResult run(const std::vector<std::string>& argv, int timeout_s) {
    int out_pipe[2], err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        auto args = to_argv(argv);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    RunResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (::poll(fds, 2, static_cast<int>(left)) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = decode_status(status);
    return result;
}

Child::Child(const std::vector<std::string>& argv, const std::string& log_path,
             const std::vector<std::string>& env) {
    // Built before fork: the child only calls what is safe after a fork of a threaded process.
    auto envp = to_argv(env);
    envp.pop_back();
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        auto args = to_argv(argv);
        ::execvpe(args[0], args.data(), envp.data());
        ::_exit(127);
    }
}

Child::~Child() {
    if (pid_ > 0 && status_ < 0) {
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (!running()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(pid_, SIGKILL);
        wait();
    }
}

bool Child::running() {
    if (status_ >= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = decode_status(status);
        return false;
    }
    return true;
}

void Child::kill(int signal) {
    if (status_ < 0) ::kill(pid_, signal);
}

int Child::wait() {
    if (status_ >= 0) return status_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = decode_status(status);
    return status_;
}

namespace {
std::mutex temp_dirs_mutex;
std::vector<std::string>& temp_dirs() {
    static std::vector<std::string> made;
    return made;
}
}  // namespace

std::string temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/hashsink-test-XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    if (!made) return {};
    std::lock_guard lock(temp_dirs_mutex);
    temp_dirs().push_back(made);
    return made;
}

std::string sanitizer_reports_in_temp_dirs() {
    static const char* const kMarks[] = {"WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                                         "ERROR: LeakSanitizer:", ": runtime error: "};
    std::lock_guard lock(temp_dirs_mutex);
    std::string found;
    for (const auto& dir : temp_dirs()) {
        std::error_code ec;
        for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
             it.increment(ec)) {
            if (!it->is_regular_file(ec) || it->path().extension() != ".log") continue;
            const std::string text = read_file(it->path().string());
            for (const char* mark : kMarks) {
                const auto at = text.find(mark);
                if (at == std::string::npos) continue;
                const auto line = text.rfind('\n', at) + 1;  // npos + 1: from the start
                found += it->path().string() + ": " +
                         text.substr(line, text.find('\n', at) - line) + "\n";
                break;
            }
        }
    }
    return found;
}

void remove_temp_dirs() {
    std::lock_guard lock(temp_dirs_mutex);
    for (const auto& dir : temp_dirs()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    temp_dirs().clear();
}

std::string secret_file(const std::string& secret) {
    const std::string path = temp_dir() + "/secret";
    write_file(path, secret + "\n");
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

}  // namespace hashsink::test
