// Users, sessions and login rate limiting for the web page. Two roles: admin (set up, save,
// override) and viewer (read only). Passwords live hashed in a small JSON file in the state
// directory (mode 0600); sessions live in memory, so a restart logs everyone out.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/core/result.hpp"
#include "web/auth/password.hpp"

namespace hashsink::web {

enum class Role { viewer, admin };
const char* to_string(Role r) noexcept;

struct Session {
    std::string user;
    Role role = Role::viewer;
    std::string csrf;           // sent back in X-CSRF-Token on every write
    std::chrono::steady_clock::time_point expires;
};

struct AuthLimits {
    int failures_before_lockout = 5;                    // per client address
    std::chrono::seconds window{15 * 60};
    std::chrono::seconds first_lockout{30};             // doubles with each further failure
    std::chrono::seconds max_lockout{15 * 60};
    int global_failures_per_minute = 30;                // all clients together
    std::chrono::seconds session_idle{12 * 3600};
    std::uint32_t iterations = kPbkdf2Iterations;
};

class Auth {
public:
    // file: the auth file; empty keeps users in memory only.
    Auth(std::string file, AuthLimits limits = {});
    Status load();

    bool setup_needed() const;                       // no admin password yet
    bool has_user(const std::string& user) const;
    // user is "admin" or "viewer". Password: 8 to 256 characters. Ends the user's sessions.
    Status set_password(const std::string& user, const std::string& password);
    Status remove_user(const std::string& user);     // "viewer" only

    struct LoginResult {
        enum class Outcome { ok, bad_credentials, limited } outcome = Outcome::bad_credentials;
        std::string token;
        Session session;
        int retry_after_s = 0;
    };
    LoginResult login(const std::string& client, const std::string& user,
                      const std::string& password);
    std::optional<Session> session(const std::string& token);   // extends the idle expiry
    void logout(const std::string& token);

    static std::optional<std::string> password_problem(const std::string& password);

private:
    struct User {
        Role role = Role::viewer;
        PasswordHash hash;
    };
    struct Client {
        std::deque<std::chrono::steady_clock::time_point> failures;
        std::chrono::steady_clock::time_point locked_until{};
    };
    Status save_locked() const;
    int limited_for_s(const std::string& client, std::chrono::steady_clock::time_point now);
    void note_failure(const std::string& client, std::chrono::steady_clock::time_point now);

    std::string file_;
    AuthLimits limits_;
    mutable std::mutex mutex_;
    std::map<std::string, User> users_;
    std::map<std::string, Session> sessions_;
    std::map<std::string, Client> clients_;
    std::deque<std::chrono::steady_clock::time_point> global_failures_;
};

}  // namespace hashsink::web
