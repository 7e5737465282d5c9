#include "web/api/config_splice.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace hashsink::web {
namespace {

// Why the file cannot be edited in place; caught in splice_config, never leaves this file.
struct Unspliceable {
    std::string why;
};

// Byte offsets of a text by line; toml++ positions are 1-based lines and code-point columns.
class Text {
public:
    explicit Text(const std::string& s) : s_(s) {
        starts_.push_back(0);
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] == '\n') starts_.push_back(i + 1);
    }
    const std::string& str() const { return s_; }
    std::size_t line_start(std::uint32_t line) const {
        return line >= 1 && line - 1 < starts_.size() ? starts_[line - 1] : s_.size();
    }
    // Just after the line's newline (or the end of the text).
    std::size_t line_end(std::uint32_t line) const {
        return line < starts_.size() ? starts_[line] : s_.size();
    }
    std::string_view line(std::uint32_t line) const {
        std::size_t b = line_start(line);
        return std::string_view(s_).substr(b, line_end(line) - b);
    }
    std::uint32_t lines() const { return static_cast<std::uint32_t>(starts_.size()); }
    std::size_t offset(const toml::source_position& p) const {
        std::size_t i = line_start(p.line);
        for (std::uint32_t col = 1; col < p.column && i < s_.size() && s_[i] != '\n'; ++col) {
            ++i;
            while (i < s_.size() && (static_cast<unsigned char>(s_[i]) & 0xC0) == 0x80) ++i;
        }
        return i;
    }

private:
    const std::string& s_;
    std::vector<std::size_t> starts_;
};

std::string_view trim_left(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    return v;
}
bool is_comment(std::string_view line) {
    auto t = trim_left(line);
    return !t.empty() && t.front() == '#';
}
bool is_blank(std::string_view line) {
    auto t = trim_left(line);
    return t.empty() || t.front() == '\n' || t.front() == '\r';
}

// A header's name without brackets, blanks and quotes, to compare with a key path.
std::string normalized(std::string_view v) {
    std::string out;
    for (char c : v)
        if (c != '[' && c != ']' && c != ' ' && c != '\t' && c != '"' && c != '\'') out += c;
    return out;
}

bool same_value(const toml::node& a, const toml::node& b) {
    if (a.type() != b.type()) return false;
    if (const auto* x = a.as_array()) {
        const auto* y = b.as_array();
        if (x->size() != y->size()) return false;
        for (std::size_t i = 0; i < x->size(); ++i)
            if (!same_value((*x)[i], (*y)[i])) return false;
        return true;
    }
    if (const auto* x = a.as_table()) {
        const auto* y = b.as_table();
        if (x->size() != y->size()) return false;
        for (const auto& [k, v] : *x) {
            const toml::node* w = y->get(k.str());
            if (!w || !same_value(v, *w)) return false;
        }
        return true;
    }
    return a.visit([&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (toml::is_value<T>) {
            return x == *b.as<typename T::value_type>();
        } else {
            return false;
        }
    });
}

// The sections the page writes with no keys ([journal], [web], ...): the loader reads an empty
// top-level section as an absent one, so the file need not gain their headers. An empty table
// below a section is not the same as none ([policy.<name>] records that policy's table).
void drop_empty_sections(toml::table& root) {
    for (auto it = root.begin(); it != root.end();) {
        const auto* section = it->second.as_table();
        it = section && section->empty() ? root.erase(it) : std::next(it);
    }
}

bool is_plain_value(const toml::node& n) {
    if (const auto* t = n.as_table()) return t->is_inline();
    if (const auto* a = n.as_array()) return !a->is_array_of_tables() || a->empty() ||
                                             (*a)[0].as_table()->is_inline();
    return true;
}

class Splicer {
public:
    Splicer(const std::string& original, const std::string& generated)
        : orig_(original), gen_(generated) {}

    std::string run() {
        o_root_ = toml::parse(std::string_view(orig_.str()), std::string_view("original"));
        n_root_ = toml::parse(std::string_view(gen_.str()), std::string_view("generated"));
        collect_headers(o_root_, orig_headers_);
        collect_headers(n_root_, gen_headers_);
        diff_table(o_root_, n_root_, "", Header::root, 0);
        return apply();
    }
    int edits() const { return static_cast<int>(edits_.size() + inserts_.size()); }

private:
    enum class Header { root, explicit_header, implicit };
    struct Edit {
        std::size_t begin, end;
        std::string text;
    };

    Text orig_, gen_;
    toml::table o_root_, n_root_;
    std::set<std::uint32_t> orig_headers_, gen_headers_;
    std::vector<Edit> edits_;
    // offset -> (key lines, blocks): at one offset (the end of the file, say) the lines that
    // belong to the table ending there come before the blocks appended after it.
    std::map<std::size_t, std::pair<std::string, std::string>> inserts_;

    static void collect_headers(const toml::table& t, std::set<std::uint32_t>& out) {
        for (const auto& [k, v] : t) {
            if (const auto* sub = v.as_table(); sub && !sub->is_inline()) {
                out.insert(sub->source().begin.line);
                collect_headers(*sub, out);
            } else if (const auto* arr = v.as_array(); arr && arr->is_array_of_tables()) {
                for (const auto& e : *arr) {
                    const auto* et = e.as_table();
                    if (et->is_inline()) continue;
                    out.insert(et->source().begin.line);
                    collect_headers(*et, out);
                }
            }
        }
    }

    // The text at the table's position is "[path]" (or "[[path]]"), not a dotted key or a
    // sub-table header that created it implicitly.
    bool has_header(const toml::table& t, const std::string& path) const {
        if (t.is_inline()) return false;
        std::size_t at = orig_.offset(t.source().begin);
        const std::string& s = orig_.str();
        if (at >= s.size() || s[at] != '[') return false;
        std::size_t end = s.find('\n', at);
        std::string_view line = std::string_view(s).substr(at, end == std::string::npos
                                                                   ? std::string::npos
                                                                   : end - at);
        // The header ends at the first ']' outside quotes (a comment may follow with more).
        std::size_t close = std::string_view::npos;
        char quote = 0;
        for (std::size_t i = 1; i < line.size() && close == std::string_view::npos; ++i) {
            char c = line[i];
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == ']') {
                close = i;
            }
        }
        if (close == std::string_view::npos) return false;
        return normalized(line.substr(0, close + 1)) == normalized(path);
    }

    // A block: a header with the comment lines directly above it, up to the next block.
    std::uint32_t block_first_line(std::uint32_t header) const {
        std::uint32_t l = header;
        while (l > 1 && is_comment(orig_.line(l - 1))) --l;
        return l;
    }
    std::size_t block_begin(std::uint32_t header) const {
        return orig_.line_start(block_first_line(header));
    }
    std::size_t block_end(std::uint32_t header) const {
        auto next = orig_headers_.upper_bound(header);
        if (next == orig_headers_.end()) return orig_.str().size();
        return orig_.line_start(block_first_line(*next));
    }

    // The generated text of one table's header and its keys, without trailing blank lines.
    std::string gen_block(const toml::table& t) const {
        std::uint32_t h = t.source().begin.line;
        auto next = gen_headers_.upper_bound(h);
        std::uint32_t last = next == gen_headers_.end() ? gen_.lines() : *next - 1;
        while (last > h && is_blank(gen_.line(last))) --last;
        std::string out(gen_.str().substr(gen_.line_start(h), gen_.line_end(last) -
                                                                   gen_.line_start(h)));
        if (out.empty() || out.back() != '\n') out += '\n';
        return out;
    }
    // A new table with everything below it, as the generated file writes it.
    std::string gen_blocks(const toml::table& t) const {
        std::string out = "\n" + gen_block(t);
        for (const auto& [k, v] : t) {
            if (const auto* sub = v.as_table(); sub && !sub->is_inline()) {
                out += gen_blocks(*sub);
            } else if (const auto* arr = v.as_array(); arr && arr->is_array_of_tables()) {
                for (const auto& e : *arr) out += gen_blocks(*e.as_table());
            }
        }
        return out;
    }
    // "key = value" as the generated file writes it, with its newline.
    std::string gen_line(const toml::key& k, const toml::node& v) const {
        std::size_t b = gen_.line_start(k.source().begin.line);
        std::size_t e = gen_.line_end(v.source().end.line);
        std::string out = gen_.str().substr(b, e - b);
        if (out.empty() || out.back() != '\n') out += '\n';
        return out;
    }
    std::string gen_value(const toml::node& v) const {
        std::size_t b = gen_.offset(v.source().begin);
        std::size_t e = gen_.offset(v.source().end);
        return gen_.str().substr(b, e - b);
    }

    void insert(std::size_t at, const std::string& text, bool block) {
        auto& slot = inserts_[at];
        (block ? slot.second : slot.first) += text;
    }
    void append(const std::string& text) { insert(orig_.str().size(), text, true); }

    // Removes a key's line(s); the key must start its line and only a comment may follow.
    void remove_key(const toml::key& k, const toml::node& v) {
        const std::string& s = orig_.str();
        std::uint32_t line = k.source().begin.line;
        std::size_t key_at = orig_.offset(k.source().begin);
        std::string_view before = std::string_view(s).substr(orig_.line_start(line),
                                                             key_at - orig_.line_start(line));
        if (!trim_left(before).empty())
            throw Unspliceable{"a key to remove shares its line with another"};
        std::size_t value_end = orig_.offset(v.source().end);
        std::uint32_t end_line = v.source().end.line;
        std::string_view after = std::string_view(s).substr(
            value_end, orig_.line_end(end_line) - value_end);
        if (!is_blank(after) && !is_comment(after))
            throw Unspliceable{"a key to remove shares its line with another"};
        edits_.push_back({orig_.line_start(line), orig_.line_end(end_line), ""});
    }

    void remove_blocks(const toml::table& t, const std::string& path) {
        if (t.is_inline()) throw Unspliceable{"inline table " + path};
        if (has_header(t, path)) {
            std::uint32_t h = t.source().begin.line;
            edits_.push_back({block_begin(h), block_end(h), ""});
        } else {
            for (const auto& [k, v] : t)
                if (is_plain_value(v)) throw Unspliceable{"dotted keys in " + path};
        }
        for (const auto& [k, v] : t) {
            std::string sub_path = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
            if (const auto* sub = v.as_table(); sub && !sub->is_inline()) {
                remove_blocks(*sub, sub_path);
            } else if (const auto* arr = v.as_array(); arr && !is_plain_value(*arr)) {
                for (const auto& e : *arr) remove_blocks(*e.as_table(), sub_path);
            }
        }
    }

    void diff_table(const toml::table& o, const toml::table& n, const std::string& path,
                    Header header, std::uint32_t header_line) {
        // New keys go after the table's last key-value line.
        std::uint32_t last_line = header_line;
        for (const auto& [k, v] : o)
            if (is_plain_value(v)) last_line = std::max(last_line, v.source().end.line);
        const std::size_t insert_at = orig_.line_end(last_line);
        std::string new_lines;   // for a table without a header of its own

        for (const auto& [key, nv] : n) {
            const std::string k(key.str());
            const std::string sub_path = path.empty() ? k : path + "." + k;
            const toml::node* ov = o.get(k);
            if (const auto* nt = nv.as_table(); nt && !nt->is_inline()) {
                if (!ov) {
                    if (header != Header::root || !nt->empty()) append(gen_blocks(*nt));
                    continue;
                }
                const auto* ot = ov->as_table();
                if (!ot) throw Unspliceable{sub_path + " changed from a value to a table"};
                if (ot->is_inline()) {
                    if (same_value(*ot, *nt)) continue;
                    throw Unspliceable{"inline table " + sub_path};
                }
                if (has_header(*ot, sub_path)) {
                    diff_table(*ot, *nt, sub_path, Header::explicit_header,
                               ot->source().begin.line);
                } else {
                    for (const auto& [ok, oval] : *ot)
                        if (is_plain_value(oval)) throw Unspliceable{"dotted keys in " + sub_path};
                    diff_table(*ot, *nt, sub_path, Header::implicit, 0);
                }
            } else if (const auto* na = nv.as_array(); na && !is_plain_value(*na)) {
                diff_array_of_tables(ov, *na, sub_path);
            } else if (!ov) {
                if (header == Header::root) throw Unspliceable{"top-level key " + k};
                if (header == Header::implicit) {
                    new_lines += gen_line(key, nv);
                } else {
                    insert(insert_at, gen_line(key, nv), false);
                }
            } else if (!is_plain_value(*ov)) {
                throw Unspliceable{sub_path + " changed from a table to a value"};
            } else if (!same_value(*ov, nv)) {
                edits_.push_back({orig_.offset(ov->source().begin),
                                  orig_.offset(ov->source().end), gen_value(nv)});
            }
        }
        if (!new_lines.empty()) append("\n[" + path + "]\n" + new_lines);

        for (const auto& [key, ov] : o) {
            const std::string k(key.str());
            if (n.contains(k)) continue;
            const std::string sub_path = path.empty() ? k : path + "." + k;
            if (is_plain_value(ov)) {
                remove_key(key, ov);
            } else if (const auto* ot = ov.as_table()) {
                remove_blocks(*ot, sub_path);
            } else {
                for (const auto& e : *ov.as_array()) remove_blocks(*e.as_table(), sub_path);
            }
        }
    }

    static std::optional<std::string> id_of(const toml::node& n) {
        if (const auto* t = n.as_table())
            if (auto id = t->get_as<std::string>("id")) return id->get();
        return std::nullopt;
    }

    void diff_array_of_tables(const toml::node* ov, const toml::array& na,
                              const std::string& path) {
        if (!ov) {
            for (const auto& e : na) append(gen_blocks(*e.as_table()));
            return;
        }
        const auto* oa = ov->as_array();
        if (!oa || is_plain_value(*oa)) {
            if (same_value(*ov, na)) return;
            throw Unspliceable{path + " is not written as [[" + path + "]] blocks"};
        }
        for (const auto& e : *oa)
            if (!has_header(*e.as_table(), path))
                throw Unspliceable{path + " has an entry without its own [[" + path + "]] header"};

        // Match entries by id (by position when ids are missing or repeated).
        std::vector<std::optional<std::size_t>> match(na.size());   // new index -> old index
        std::vector<bool> kept(oa->size(), false);
        std::map<std::string, std::size_t> old_ids;
        bool by_id = true;
        for (std::size_t i = 0; i < oa->size(); ++i) {
            auto id = id_of((*oa)[i]);
            if (!id || !old_ids.emplace(*id, i).second) by_id = false;
        }
        std::set<std::string> new_ids;
        for (const auto& e : na) {
            auto id = id_of(e);
            if (!id || !new_ids.insert(*id).second) by_id = false;
        }
        if (by_id) {
            for (std::size_t i = 0; i < na.size(); ++i) {
                auto it = old_ids.find(*id_of(na[i]));
                if (it != old_ids.end()) match[i] = it->second;
            }
        } else if (oa->size() == na.size()) {
            for (std::size_t i = 0; i < na.size(); ++i) match[i] = i;
        } else {
            throw Unspliceable{path + " entries without unique ids were added or removed"};
        }
        std::optional<std::size_t> previous;
        for (const auto& m : match) {
            if (!m) continue;
            if (previous && *m < *previous) throw Unspliceable{path + " entries were reordered"};
            previous = m;
            kept[*m] = true;
        }

        for (std::size_t i = 0; i < na.size(); ++i) {
            if (!match[i]) continue;
            const auto& ot = *(*oa)[*match[i]].as_table();
            diff_table(ot, *na[i].as_table(), path, Header::explicit_header,
                       ot.source().begin.line);
        }
        for (std::size_t i = 0; i < oa->size(); ++i)
            if (!kept[i]) remove_blocks(*(*oa)[i].as_table(), path);
        // An added entry goes before the next kept one, or after the last old entry.
        const std::size_t after_last = block_end((*oa)[oa->size() - 1].as_table()->source().begin.line);
        for (std::size_t i = 0; i < na.size(); ++i) {
            if (match[i]) continue;
            std::size_t at = after_last;
            for (std::size_t j = i + 1; j < na.size(); ++j) {
                if (match[j]) {
                    at = block_begin((*oa)[*match[j]].as_table()->source().begin.line);
                    break;
                }
            }
            std::string block = gen_blocks(*na[i].as_table());
            // Before a kept entry: the blank line goes after the block instead.
            if (at != after_last) block = block.substr(1) + "\n";
            insert(at, block, true);
        }
    }

    std::string apply() {
        std::vector<Edit> all = edits_;
        for (auto& [at, texts] : inserts_) {
            // A file that does not end in a newline gets one before what is added there.
            std::string text = at > 0 && orig_.str()[at - 1] != '\n' ? "\n" : "";
            all.push_back({at, at, text + texts.first + texts.second});
        }
        // At one offset an insertion comes before a removal or replacement starting there.
        std::stable_sort(all.begin(), all.end(), [](const Edit& a, const Edit& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        const std::string& s = orig_.str();
        std::string out;
        out.reserve(s.size() + 256);
        std::size_t pos = 0;
        for (const auto& e : all) {
            if (e.begin < pos) throw Unspliceable{"overlapping edits"};
            out.append(s, pos, e.begin - pos);
            out += e.text;
            pos = e.end;
        }
        out.append(s, pos, std::string::npos);
        return out;
    }
};

}  // namespace

SplicedConfig splice_config(const std::string& original, const std::string& generated) {
    SplicedConfig out;
    out.text = generated;
    if (original.empty()) {
        out.note = "new file written";
        return out;
    }
    std::string why;
    try {
        Splicer splicer(original, generated);
        std::string text = splicer.run();
        // The edited file must read back exactly as the page meant it.
        toml::table want = toml::parse(std::string_view(generated), std::string_view("generated"));
        toml::table got = toml::parse(std::string_view(text), std::string_view("edited"));
        drop_empty_sections(want);
        drop_empty_sections(got);
        if (got == want) {
            out.text = std::move(text);
            out.in_place = true;
            out.note = splicer.edits() == 0
                           ? "no change to the file"
                           : "edited in place (" + std::to_string(splicer.edits()) +
                                 " edits); comments and key order kept";
            return out;
        }
        why = "the edited file did not read back as saved";
    } catch (const Unspliceable& e) {
        why = e.why;
    } catch (const std::exception& e) {
        why = std::string("the file could not be read: ") + e.what();
    }
    out.note = "rewritten in full, comments not kept (" + why +
               "); the previous file is kept as a version";
    return out;
}

}  // namespace hashsink::web
