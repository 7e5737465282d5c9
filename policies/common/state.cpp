#include "policies/common/state.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace hashsink::policies::state_json {
namespace {

constexpr int kMaxDepth = 32;

// A kept state read back from the journal, not yet typed: its policy's restore types it.
class RawState final : public PolicyMemory::Held {
public:
    explicit RawState(std::string text) : text_(std::move(text)) {}
    std::string json() const override { return text_; }
    std::size_t bytes() const override { return sizeof(*this) + text_.capacity(); }
    bool equals(const PolicyMemory::Held& other) const override {
        const auto* o = dynamic_cast<const RawState*>(&other);
        return o != nullptr && o->text_ == text_;
    }

private:
    std::string text_;
};

// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    return n;
}

void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    std::optional<Node> document() {
        Node n;
        if (!value(n, 0)) return std::nullopt;
        skip_space();
        if (i_ != s_.size()) return std::nullopt;
        return n;
    }

private:
    void skip_space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    bool value(Node& n, int depth) {
        if (depth > kMaxDepth) return false;
        skip_space();
        if (i_ >= s_.size()) return false;
        const std::size_t start = i_;
        bool ok = false;
        const char c = s_[i_];
        if (c == '{')
            ok = container(n, depth, '}');
        else if (c == '[')
            ok = container(n, depth, ']');
        else if (c == '"')
            n.kind = Node::Kind::string, ok = string(n.text);
        else if (c == 't')
            n.kind = Node::Kind::boolean, n.boolean = true, ok = literal("true");
        else if (c == 'f')
            n.kind = Node::Kind::boolean, ok = literal("false");
        else if (c == 'n')
            ok = literal("null");
        else
            n.kind = Node::Kind::number, ok = number(n.number);
        if (ok) n.raw = std::string(s_.substr(start, i_ - start));
        return ok;
    }

    // An object (members with their names) or an array (items with empty names).
    bool container(Node& n, int depth, char close) {
        n.kind = close == '}' ? Node::Kind::object : Node::Kind::array;
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == close) return ++i_, true;
        while (true) {
            std::string key;
            skip_space();
            if (close == '}') {
                if (i_ >= s_.size() || s_[i_] != '"' || !string(key)) return false;
                skip_space();
                if (i_ >= s_.size() || s_[i_++] != ':') return false;
            }
            Node item;
            if (!value(item, depth + 1)) return false;
            n.items.push_back({std::move(key), std::move(item)});
            skip_space();
            if (i_ >= s_.size()) return false;
            const char c = s_[i_++];
            if (c == close) return true;
            if (c != ',') return false;
        }
    }

    bool hex4(unsigned& v) {
        if (i_ + 4 > s_.size()) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) return false;
            v = v * 16 + static_cast<unsigned>(d);
        }
        return true;
    }

    bool escape(std::string& out) {
        if (i_ >= s_.size()) return false;
        const char c = s_[i_++];
        switch (c) {
            case '"':
            case '\\':
            case '/':
                out += c;
                return true;
            case 'b':
                out += '\b';
                return true;
            case 'f':
                out += '\f';
                return true;
            case 'n':
                out += '\n';
                return true;
            case 'r':
                out += '\r';
                return true;
            case 't':
                out += '\t';
                return true;
            case 'u':
                break;
            default:
                return false;
        }
        unsigned cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xd800 && cp < 0xdc00) {  // a surrogate pair
            unsigned low = 0;
            if (!literal("\\u") || !hex4(low) || low < 0xdc00 || low >= 0xe000) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            return false;
        }
        append_utf8(out, cp);
        return true;
    }

    bool string(std::string& out) {
        ++i_;  // the opening quote
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '"') return ++i_, true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c == '\\') {
                ++i_;
                if (!escape(out)) return false;
                continue;
            }
            out += c;
            ++i_;
        }
        return false;
    }

    bool number(double& v) {
        const std::size_t start = i_;
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        while (i_ < s_.size() &&
               (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
            ++i_;
        if (i_ == start) return false;
        const std::string text(s_.substr(start, i_ - start));
        char* end = nullptr;
        v = std::strtod(text.c_str(), &end);
        return end == text.c_str() + text.size() && std::isfinite(v);
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

const Node* Node::find(std::string_view key) const {
    if (kind != Kind::object) return nullptr;
    for (const auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

std::optional<Node> parse(std::string_view text) { return Parser(text).document(); }

void write_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const std::size_t n = utf8_length(s, i);
        if (n == 0) {
            out += "\\ufffd";  // not UTF-8: replaced, so the journal's JSON stays valid
            ++i;
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    out += '"';
}

void write(std::string& out, bool v) { out += v ? "true" : "false"; }
void write(std::string& out, int v) { out += std::to_string(v); }
void write(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}
void write(std::string& out, const std::optional<double>& v) {
    if (v)
        write(out, *v);
    else
        out += "null";
}
void write(std::string& out, const std::optional<TimePoint>& v) {
    if (v)
        out += std::to_string(unix_ms(*v));
    else
        out += "null";
}
void write(std::string& out, const PolicyMemory& v) { out += v.json(); }

bool read(const Node& n, bool& v) {
    if (n.kind != Node::Kind::boolean) return false;
    v = n.boolean;
    return true;
}
bool read(const Node& n, int& v) {
    if (n.kind != Node::Kind::number || n.number != std::floor(n.number) ||
        std::abs(n.number) > std::numeric_limits<int>::max())
        return false;
    v = static_cast<int>(n.number);
    return true;
}
bool read(const Node& n, double& v) {
    if (n.kind == Node::Kind::null) return true;  // written for a value that was not finite
    if (n.kind != Node::Kind::number) return false;
    v = n.number;
    return true;
}
bool read(const Node& n, std::optional<double>& v) {
    if (n.kind == Node::Kind::null) return v.reset(), true;
    if (n.kind != Node::Kind::number) return false;
    v = n.number;
    return true;
}
bool read(const Node& n, std::optional<TimePoint>& v) {
    if (n.kind == Node::Kind::null) return v.reset(), true;
    // Unix ms, within ±10^15 (about 30,000 years) so the conversion cannot overflow.
    if (n.kind != Node::Kind::number || std::abs(n.number) > 1e15) return false;
    v = from_unix_ms(static_cast<std::int64_t>(std::llround(n.number)));
    return true;
}
bool read(const Node& n, PolicyMemory& v) {
    if (n.kind != Node::Kind::object) return false;
    v = PolicyMemory(std::make_shared<const RawState>(n.raw));
    return true;
}

}  // namespace hashsink::policies::state_json
