// Saving from the page keeps the installer's comments: edits spliced into the original text.
#include <catch2/catch.hpp>

#include <toml++/toml.h>

#include "web/api/config_splice.hpp"

using hashsink::web::splice_config;
using hashsink::web::SplicedConfig;

namespace {

const char* kOriginal = R"(# Garage site, installed 2026-03 — ask Anna before changing.
[site]
# keep well under the 16 A breaker
max_draw_w = 3000   # W
period = "1s"

[policy]
use = "solar_surplus"

[policy.solar_surplus]
hysteresis_w = 60

# the inverter on the roof
[[sources]]
id = "inverter"
type = "sunspec"
host = "192.168.1.20"

# the S9 in the garage (loud)
[[miners]]
id = "s9"
driver = "antminer"
url = "http://192.168.1.31"

# Bitaxe on the shelf, Größe S
[[miners]]
id = "bitaxe"
driver = "axeos"
url = "http://192.168.1.32"
)";

// What json_to_toml writes for the page's edits: keys in its own order, no comments.
std::string generated(const std::string& site, const std::string& miners,
                      const std::string& extra = "") {
    return "# Written by the hashsink web page; earlier versions are kept beside it.\n\n[site]\n" +
           site + "\n[policy]\nuse = \"solar_surplus\"\n\n[policy.solar_surplus]\n"
                  "hysteresis_w = 60\n" + extra +
           "\n[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"192.168.1.20\"\n" +
           miners;
}
const std::string kS9 = "\n[[miners]]\nid = \"s9\"\ndriver = \"antminer\"\nurl = \"http://192.168.1.31\"\n";
const std::string kBitaxe =
    "\n[[miners]]\nid = \"bitaxe\"\ndriver = \"axeos\"\nurl = \"http://192.168.1.32\"\n";
const std::string kSite = "max_draw_w = 3000\nperiod = \"1s\"\n";

void reads_as(const SplicedConfig& out, const std::string& want) {
    INFO(out.text);
    CHECK(toml::parse(out.text) == toml::parse(want));
}

}  // namespace

TEST_CASE("config splice: an unchanged config leaves the file as it is", "[web]") {
    auto out = splice_config(kOriginal, generated(kSite, kS9 + kBitaxe));
    CHECK(out.in_place);
    CHECK(out.text == kOriginal);
    CHECK(out.note == "no change to the file");
}

TEST_CASE("config splice: a changed value is replaced where it stands", "[web]") {
    const std::string want = generated("max_draw_w = 2500\nperiod = \"1s\"\n", kS9 + kBitaxe);
    auto out = splice_config(kOriginal, want);
    REQUIRE(out.in_place);
    std::string expected = kOriginal;
    expected.replace(expected.find("3000"), 4, "2500");
    CHECK(out.text == expected);   // comment on the same line, key order: all kept
    CHECK(out.note.find("edited in place") == 0);
    reads_as(out, want);
}

TEST_CASE("config splice: keys added and removed, a miner added and one removed", "[web]") {
    const std::string c =
        "\n[[miners]]\nid = \"c\"\ndriver = \"axeos\"\nurl = \"http://192.168.1.33\"\n";
    // period emptied (default), ramp added; the S9 goes, miner c comes after the Bitaxe.
    const std::string want =
        generated("max_draw_w = 3000\nramp_w_per_s = 500\n", kBitaxe + c);
    auto out = splice_config(kOriginal, want);
    INFO(out.note);
    REQUIRE(out.in_place);
    reads_as(out, want);
    CHECK(out.text.find("period") == std::string::npos);
    CHECK(out.text.find("max_draw_w = 3000   # W\nramp_w_per_s = 500\n") != std::string::npos);
    CHECK(out.text.find("# keep well under the 16 A breaker") != std::string::npos);
    // The S9's block leaves with the comment above it; the others keep theirs.
    CHECK(out.text.find("the S9 in the garage") == std::string::npos);
    CHECK(out.text.find("# Bitaxe on the shelf, Größe S\n[[miners]]\nid = \"bitaxe\"") !=
          std::string::npos);
    CHECK(out.text.find("# the inverter on the roof") != std::string::npos);
    CHECK(out.text.find("id = \"c\"") > out.text.find("id = \"bitaxe\""));
}

TEST_CASE("config splice: a new miner before a kept one, and a new section", "[web]") {
    const std::string first =
        "\n[[miners]]\nid = \"first\"\ndriver = \"axeos\"\nurl = \"http://192.168.1.30\"\n";
    const std::string want = generated(kSite, first + kS9 + kBitaxe,
                                       "\n[journal]\nkeep_raw = \"7d\"\n");
    auto out = splice_config(kOriginal, want);
    INFO(out.note);
    REQUIRE(out.in_place);
    reads_as(out, want);
    CHECK(out.text.find("id = \"first\"") < out.text.find("# the S9 in the garage"));
    CHECK(out.text.find("[journal]\nkeep_raw = \"7d\"") != std::string::npos);
}

TEST_CASE("config splice: beyond splicing, a full rewrite that says why", "[web]") {
    SECTION("miners reordered") {
        const std::string want = generated(kSite, kBitaxe + kS9);
        auto out = splice_config(kOriginal, want);
        CHECK_FALSE(out.in_place);
        CHECK(out.text == want);
        CHECK(out.note.find("rewritten in full") == 0);
        CHECK(out.note.find("reordered") != std::string::npos);
    }
    SECTION("an inline table that changed") {
        const std::string original = "site = { max_draw_w = 100 }\n";
        auto out = splice_config(original, "[site]\nmax_draw_w = 200\n");
        CHECK_FALSE(out.in_place);
        CHECK(out.note.find("inline table site") != std::string::npos);
    }
    SECTION("dotted keys") {
        const std::string original = "[policy]\nsolar_surplus.hysteresis_w = 10\n";
        auto out = splice_config(original, "[policy]\n\n[policy.solar_surplus]\nhysteresis_w = 20\n");
        CHECK_FALSE(out.in_place);
        CHECK(out.note.find("dotted keys") != std::string::npos);
    }
    SECTION("a file that no longer parses") {
        auto out = splice_config("[site\n", "[site]\nmax_draw_w = 1\n");
        CHECK_FALSE(out.in_place);
        CHECK(out.text == "[site]\nmax_draw_w = 1\n");
    }
}

TEST_CASE("config splice: values after multibyte text and multi-line arrays", "[web]") {
    const std::string original =
        "[site]\nname = \"Gäste—Haus\" # °C\nmax_draw_w = 100\n"
        "[policy]\npriority = [\n  \"a\",  # first\n  \"b\",\n]\nuse = \"manual\"\n";
    const std::string want = "[site]\nname = \"Gäste—Haus 2\"\nmax_draw_w = 100\n\n[policy]\n"
                             "priority = [\"b\", \"a\"]\nuse = \"manual\"\n";
    auto out = splice_config(original, want);
    REQUIRE(out.in_place);
    reads_as(out, want);
    CHECK(out.text.find("name = \"Gäste—Haus 2\" # °C\n") != std::string::npos);
}

TEST_CASE("config splice: an empty section the page writes is not appended", "[web]") {
    const std::string want = generated(kSite, kS9 + kBitaxe, "\n[journal]\n\n[web]\n");
    auto out = splice_config(kOriginal, want);
    REQUIRE(out.in_place);
    CHECK(out.text == kOriginal);
}

// The loader reads an empty [policy] as none, but an empty [policy.<name>] is that policy's
// table (an empty [policy.heat_demand] even lacks its required zones): it must reach the file.
TEST_CASE("config splice: an empty table below a section is written, not dropped", "[web]") {
    struct Case {
        std::string original, want;
    };
    const Case cases[] = {
        // below a new section
        {"[site]\nmax_draw_w = 100\n",
         "[site]\nmax_draw_w = 100\n\n[policy]\n\n[policy.heat_demand]\n"},
        // below a section the file has, whose comment stays
        {"[policy]  # economics\nuse = \"economics\"\n",
         "[policy]\nuse = \"economics\"\n\n[policy.heat_demand]\n"},
    };
    for (const auto& c : cases) {
        auto out = splice_config(c.original, c.want);
        INFO(out.note);
        REQUIRE(out.in_place);
        reads_as(out, c.want);
        CHECK(out.text.rfind(c.original, 0) == 0);
    }
}

// Found by fuzzing: the page's empty [policy] beside a file without one.
TEST_CASE("config splice: an empty top-level section the file lacks is left out", "[web]") {
    const std::string original = "max_draw_w = 200  # no section\n[[miners]]\nid = \"a\"\n";
    const std::string want = "[site]\nmax_draw_w = 200\n\n[policy]\n\n[[miners]]\nid = \"a\"\n";
    auto out = splice_config(original, want);
    INFO(out.note);
    REQUIRE(out.in_place);
    CHECK(out.text.find("[policy]") == std::string::npos);
    auto got = toml::parse(out.text);
    auto expected = toml::parse(want);
    expected.erase("policy");
    CHECK(got == expected);
}

TEST_CASE("config splice: no newline at the end, and a policy table made by its sub-table",
          "[web]") {
    const std::string original =
        "[policy.solar_surplus]  # no [policy] header of its own\nreserve_w = 5\n"
        "[site]\nmax_draw_w = 1";
    const std::string want =
        "[site]\nmax_draw_w = 1\nperiod = \"2s\"\n\n[policy]\nuse = \"solar_surplus\"\n\n"
        "[policy.solar_surplus]\nreserve_w = 5\n\n[[miners]]\nid = \"a\"\ndriver = \"axeos\"\n";
    auto out = splice_config(original, want);
    INFO(out.note);
    REQUIRE(out.in_place);
    reads_as(out, want);
    CHECK(out.text.rfind("[policy.solar_surplus]  # no [policy] header of its own\n", 0) == 0);
    CHECK(out.text.find("max_draw_w = 1\nperiod = \"2s\"\n") != std::string::npos);
}
