// Typed policy state, and its one versioned JSON form. A policy's state struct names its fields
// once, with their members, and says its version:
//
//   struct GensetFollowState {
//       bool stopped = false;
//       std::optional<TimePoint> last_add;
//       static constexpr int kVersion = 1;
//       static constexpr auto fields() {
//           return std::tuple{field("stopped", &GensetFollowState::stopped),
//                             field("last_add", &GensetFollowState::last_add)};
//       }
//       bool operator==(const GensetFollowState&) const = default;
//   };
//
// A misspelt timer is then a compile error. The policy reads its state with state_of<S>(memory)
// (a fresh S when the memory holds none) and returns memory_of(state); the journal writes
// {"v":1,"stopped":true,"last_add":1700000000000} (fields at their default left out; times as
// Unix ms), and restore_state<S>(text) reads it back: a fresh S for malformed text, another
// version or a field of the wrong type, never a throw.
//
// Field types: bool, int, double, std::optional<double>, std::optional<TimePoint>, a struct
// with fields() of its own, std::map<std::string, T> of any of these, and PolicyMemory (a
// composed policy's child state, read back as raw JSON for the child's own restore).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "daemon/core/policy.hpp"

namespace hashsink::policies {

template <class S, class T>
struct StateField {
    const char* name;
    T S::*member;
};
template <class S, class T>
constexpr StateField<S, T> field(const char* name, T S::*member) {
    return {name, member};
}

namespace state_json {

template <class T>
concept Described = requires {
    T::fields();
};

// A parsed JSON value: enough of JSON for the states (objects, numbers, booleans, strings).
struct Node {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    double number = 0;
    std::string text;                                 // a string's value
    struct Member;
    std::vector<Member> items;  // an object's members, an array's items
    std::string raw;            // the JSON text of this value
    const Node* find(std::string_view key) const;
};
// A member of an object, or an array's item (no name). Not a std::pair: clang 14 cannot
// instantiate a pair of a type that holds a vector of it.
struct Node::Member {
    std::string first;
    Node second;
};
// Nullopt for malformed text (or nesting deeper than 32).
std::optional<Node> parse(std::string_view text);

// Writing: a value, a JSON string (invalid UTF-8 replaced), a member's name.
void write_string(std::string& out, std::string_view s);
void write(std::string& out, bool v);
void write(std::string& out, int v);
void write(std::string& out, double v);
void write(std::string& out, const std::optional<double>& v);
void write(std::string& out, const std::optional<TimePoint>& v);
void write(std::string& out, const PolicyMemory& v);
template <Described S>
void write(std::string& out, const S& s);
template <class T>
void write(std::string& out, const std::map<std::string, T>& m) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : m) {
        if (!first) out += ',';
        first = false;
        write_string(out, k);
        out += ':';
        write(out, v);
    }
    out += '}';
}
template <Described S>
void write_members(std::string& out, const S& s, bool first) {
    static const S fresh{};
    std::apply(
        [&](const auto&... f) {
            auto one = [&](const auto& f1) {
                if (s.*(f1.member) == fresh.*(f1.member)) return;  // defaults are left out
                if (!first) out += ',';
                first = false;
                write_string(out, f1.name);
                out += ':';
                write(out, s.*(f1.member));
            };
            (one(f), ...);
        },
        S::fields());
}
template <Described S>
void write(std::string& out, const S& s) {
    out += '{';
    write_members(out, s, true);
    out += '}';
}

// Reading: false when the node has another type.
bool read(const Node& n, bool& v);
bool read(const Node& n, int& v);
bool read(const Node& n, double& v);
bool read(const Node& n, std::optional<double>& v);
bool read(const Node& n, std::optional<TimePoint>& v);
bool read(const Node& n, PolicyMemory& v);  // kept as raw JSON, for the child's restore
template <Described S>
bool read(const Node& n, S& s);
template <class T>
bool read(const Node& n, std::map<std::string, T>& m) {
    if (n.kind != Node::Kind::object) return false;
    for (const auto& [k, item] : n.items)
        if (!read(item, m[k])) return false;
    return true;
}
template <Described S>
bool read(const Node& n, S& s) {
    if (n.kind != Node::Kind::object) return false;
    bool ok = true;
    std::apply(
        [&](const auto&... f) {
            auto one = [&](const auto& f1) {
                if (const Node* m = n.find(f1.name)) ok = ok && read(*m, s.*(f1.member));
            };
            (one(f), ...);
        },
        S::fields());
    return ok;
}

// A heap estimate of a value, for the journal's queue accounting.
template <class T>
std::size_t bytes(const T&) {
    return 0;
}
inline std::size_t bytes(const PolicyMemory& m) { return m.bytes(); }
template <Described S>
std::size_t bytes(const S& s);
template <class T>
std::size_t bytes(const std::map<std::string, T>& m) {
    std::size_t sum = 0;
    for (const auto& [k, v] : m) sum += 64 + k.capacity() + sizeof(T) + bytes(v);
    return sum;
}
template <Described S>
std::size_t bytes(const S& s) {
    return std::apply(
        [&](const auto&... f) { return (std::size_t{0} + ... + bytes(s.*(f.member))); },
        S::fields());
}

}  // namespace state_json

// {"v":S::kVersion,...}.
template <state_json::Described S>
std::string state_to_json(const S& s) {
    std::string out = "{\"v\":" + std::to_string(S::kVersion);
    state_json::write_members(out, s, false);
    out += '}';
    return out;
}

// The state a JSON text stands for; a fresh S when malformed, of another version, or with a
// field of the wrong type.
template <state_json::Described S>
S state_from_json(std::string_view text) {
    auto node = state_json::parse(text);
    if (!node || node->kind != state_json::Node::Kind::object) return S{};
    const state_json::Node* v = node->find("v");
    if (!v || v->kind != state_json::Node::Kind::number || v->number != S::kVersion) return S{};
    S s;
    return state_json::read(*node, s) ? s : S{};
}

namespace state_json {
// Moves every time point of a state by a wall-clock step; other fields stay. Declared before
// they are defined, so a map of structs finds the struct's overload.
template <class T>
void shift(T& /*value*/, Duration /*step*/) {}
inline void shift(std::optional<TimePoint>& t, Duration step) {
    if (t) *t += step;
}
inline void shift(PolicyMemory& m, Duration step) { m = m.shifted(step); }
template <class T>
void shift(std::map<std::string, T>& m, Duration step);
template <Described S>
void shift(S& s, Duration step);
template <class T>
void shift(std::map<std::string, T>& m, Duration step) {
    for (auto& [key, value] : m) shift(value, step);
}
template <Described S>
void shift(S& s, Duration step) {
    std::apply([&](const auto&... f) { (shift(s.*(f.member), step), ...); }, S::fields());
}

template <Described S>
class Held final : public PolicyMemory::Held {
public:
    explicit Held(S s) : state(std::move(s)) {}
    std::string json() const override { return state_to_json(state); }
    std::shared_ptr<const PolicyMemory::Held> shifted(Duration step) const override {
        S moved = state;
        shift(moved, step);
        return std::make_shared<const Held>(std::move(moved));
    }
    std::size_t bytes() const override { return sizeof(*this) + state_json::bytes(state); }
    bool equals(const PolicyMemory::Held& other) const override {
        const auto* o = dynamic_cast<const Held*>(&other);
        return o != nullptr && o->state == state;
    }
    S state;
};
}  // namespace state_json

// The memory carrying a state to the next tick.
template <state_json::Described S>
PolicyMemory memory_of(S s) {
    return PolicyMemory(std::make_shared<const state_json::Held<S>>(std::move(s)));
}

// The state a memory carries: a copy, or a fresh S when it carries none (first tick, another
// policy's state after a change of policy).
template <state_json::Described S>
S state_of(const PolicyMemory& memory) {
    const auto* held = dynamic_cast<const state_json::Held<S>*>(memory.held());
    return held ? held->state : S{};
}

// The memory a journalled text restores (Policy::restore for a policy whose state is S).
template <state_json::Described S>
PolicyMemory restore_state(std::string_view text) {
    return memory_of(state_from_json<S>(text));
}

}  // namespace hashsink::policies
