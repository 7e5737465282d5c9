// Saving from the page without losing the installer's comments: the page's config (rendered
// as TOML by json_to_toml) is spliced into the file as it is, editing only what changed.
#pragma once

#include <string>

namespace hashsink::web {

struct SplicedConfig {
    std::string text;
    bool in_place = false;  // true: the original text with edits; false: the full rewrite
    std::string note;       // for the operator: what was kept, or why the file was rewritten
};

// Changed scalar values are replaced where they stand, keys the page emptied are removed with
// their line, new keys go after the last key of their table, sources / miners matched by id are
// edited in place, and added or removed tables travel as whole blocks (a removed block takes
// the comment lines directly above its header with it). When the file's structure is beyond
// that (inline tables, dotted keys, reordered entries, values that re-parse differently), the
// result is `generated` unchanged and the note says why. The result always parses to the same
// values as `generated`, checked before it is returned, except that a top-level section
// `generated` holds empty may be left out (the loader reads it as absent; an empty table below
// a section, like [policy.<name>], is kept).
SplicedConfig splice_config(const std::string& original, const std::string& generated);

}  // namespace hashsink::web
