#include "web/auth/auth.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "daemon/core/log.hpp"
#include "web/atomic_file.hpp"

namespace hashsink::web {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxClients = 4096;
constexpr std::size_t kMaxSessions = 256;

}  // namespace

const char* to_string(Role r) noexcept { return r == Role::admin ? "admin" : "viewer"; }

Auth::Auth(std::string file, AuthLimits limits) : file_(std::move(file)), limits_(limits) {}

Status Auth::load() {
    if (file_.empty()) return {};
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) return {};   // first run: no file yet
    auto text = read_small_file(file_, 64 * 1024);
    if (!text) return text.error();
    try {
        auto j = nlohmann::json::parse(*text);
        std::lock_guard lock(mutex_);
        users_.clear();
        for (const auto& [name, u] : j.at("users").items()) {
            if (name != "admin" && name != "viewer") continue;
            User user;
            user.role = name == "admin" ? Role::admin : Role::viewer;
            user.hash.salt_hex = u.at("salt").get<std::string>();
            user.hash.iterations = u.at("iterations").get<std::uint32_t>();
            user.hash.hash_hex = u.at("hash").get<std::string>();
            users_[name] = user;
        }
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::invalid,
                             "web: read " + file_ + ": not a hashsink auth file: " + e.what(),
                             false);
    }
    return {};
}

Status Auth::save_locked() const {
    if (file_.empty()) return {};
    nlohmann::json users = nlohmann::json::object();
    for (const auto& [name, u] : users_)
        users[name] = {{"role", to_string(u.role)},
                       {"algorithm", "pbkdf2-hmac-sha256"},
                       {"salt", u.hash.salt_hex},
                       {"iterations", u.hash.iterations},
                       {"hash", u.hash.hash_hex}};
    return write_file_atomic(file_, nlohmann::json{{"version", 1}, {"users", users}}.dump(2) + "\n",
                             0600);
}

bool Auth::setup_needed() const {
    std::lock_guard lock(mutex_);
    return users_.count("admin") == 0;
}

bool Auth::has_user(const std::string& user) const {
    std::lock_guard lock(mutex_);
    return users_.count(user) != 0;
}

std::optional<std::string> Auth::password_problem(const std::string& password) {
    if (password.size() < 8) return "password: at least 8 characters";
    if (password.size() > 256) return "password: at most 256 characters";
    return std::nullopt;
}

Status Auth::set_password(const std::string& user, const std::string& password) {
    if (user != "admin" && user != "viewer")
        return Status::error(ErrorCode::invalid, "user: must be admin or viewer", false);
    if (auto p = password_problem(password)) return Status::error(ErrorCode::invalid, *p, false);
    User u;
    u.role = user == "admin" ? Role::admin : Role::viewer;
    u.hash = hash_password(password, limits_.iterations);   // slow: outside the lock
    std::lock_guard lock(mutex_);
    auto previous = users_;
    users_[user] = u;
    if (auto st = save_locked(); !st) {
        users_ = std::move(previous);
        return st;
    }
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = it->second.user == user ? sessions_.erase(it) : std::next(it);
    return {};
}

Status Auth::remove_user(const std::string& user) {
    if (user != "viewer")
        return Status::error(ErrorCode::invalid, "user: only the viewer can be removed", false);
    std::lock_guard lock(mutex_);
    auto previous = users_;
    users_.erase(user);
    if (auto st = save_locked(); !st) {
        users_ = std::move(previous);
        return st;
    }
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = it->second.user == user ? sessions_.erase(it) : std::next(it);
    return {};
}

int Auth::limited_for_s(const std::string& client, Clock::time_point now) {
    while (!global_failures_.empty() && now - global_failures_.front() > std::chrono::minutes(1))
        global_failures_.pop_front();
    if (static_cast<int>(global_failures_.size()) >= limits_.global_failures_per_minute) {
        auto left = std::chrono::minutes(1) - (now - global_failures_.front());
        return std::max<int>(1, static_cast<int>(std::chrono::ceil<std::chrono::seconds>(left).count()));
    }
    auto it = clients_.find(client);
    if (it == clients_.end() || it->second.locked_until <= now) return 0;
    return std::max<int>(1, static_cast<int>(std::chrono::ceil<std::chrono::seconds>(
                                                 it->second.locked_until - now)
                                                 .count()));
}

void Auth::note_failure(const std::string& client, Clock::time_point now) {
    global_failures_.push_back(now);
    if (clients_.size() >= kMaxClients && !clients_.count(client)) {
        // Forget the quietest clients first: those whose failures are oldest.
        auto oldest = clients_.begin();
        for (auto it = clients_.begin(); it != clients_.end(); ++it)
            if (it->second.failures.empty() ||
                (!oldest->second.failures.empty() &&
                 it->second.failures.back() < oldest->second.failures.back()))
                oldest = it;
        clients_.erase(oldest);
    }
    Client& c = clients_[client];
    while (!c.failures.empty() && now - c.failures.front() > limits_.window) c.failures.pop_front();
    c.failures.push_back(now);
    int over = static_cast<int>(c.failures.size()) - limits_.failures_before_lockout;
    if (over >= 0) {
        auto lock = limits_.first_lockout * (1LL << std::min(over, 10));
        c.locked_until = now + std::min<std::chrono::seconds>(lock, limits_.max_lockout);
    }
}

Auth::LoginResult Auth::login(const std::string& client, const std::string& user,
                              const std::string& password) {
    LoginResult r;
    std::optional<User> u;
    {
        std::lock_guard lock(mutex_);
        if (int s = limited_for_s(client, Clock::now()); s > 0) {
            r.outcome = LoginResult::Outcome::limited;
            r.retry_after_s = s;
            return r;
        }
        if (auto it = users_.find(user); it != users_.end()) u = it->second;
    }
    // Unknown users cost the same slow hash, so timing does not tell which names exist.
    bool good = u ? verify_password(password, u->hash)
                  : (verify_password(password, PasswordHash{std::string(32, 'a'),
                                                            limits_.iterations,
                                                            std::string(64, '0')}),
                     false);
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (!good) {
        note_failure(client, now);
        log::warn("web", "failed login for '" + user.substr(0, 32) + "' from " + client);
        r.outcome = LoginResult::Outcome::bad_credentials;
        return r;
    }
    clients_.erase(client);
    if (sessions_.size() >= kMaxSessions) {
        auto oldest = sessions_.begin();
        for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
            if (it->second.expires < oldest->second.expires) oldest = it;
        sessions_.erase(oldest);
    }
    r.outcome = LoginResult::Outcome::ok;
    r.token = random_hex(32);
    r.session = Session{user, u->role, random_hex(32), now + limits_.session_idle};
    sessions_[r.token] = r.session;
    return r;
}

std::optional<Session> Auth::session(const std::string& token) {
    if (token.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(token);
    if (it == sessions_.end()) return std::nullopt;
    auto now = Clock::now();
    if (it->second.expires <= now) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.expires = now + limits_.session_idle;
    return it->second;
}

void Auth::logout(const std::string& token) {
    std::lock_guard lock(mutex_);
    sessions_.erase(token);
}

}  // namespace hashsink::web
