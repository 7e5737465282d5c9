// The loader against a hand-built catalog, so these tests do not depend on the real plugins.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "daemon/config/config.hpp"
#include "daemon/config/suggest.hpp"

using namespace hashsink;
using namespace hashsink::config;

namespace {

KeySpec spec(std::string name, KeyType type, std::optional<OptionValue> fallback = std::nullopt) {
    KeySpec k;
    k.name = std::move(name);
    k.type = type;
    k.fallback = std::move(fallback);
    return k;
}

Catalog test_catalog() {
    Catalog c;
    KeySpec host = spec("host", KeyType::string);
    host.required = true;
    KeySpec port = spec("port", KeyType::integer, std::int64_t{502});
    port.min = 1;
    port.max = 65535;
    KeySpec sign = spec("meter_sign", KeyType::string, std::string("import_positive"));
    sign.choices = {"import_positive", "export_positive"};
    c.source_types["sunspec"] = {host, port, spec("unit", KeyType::integer, std::int64_t{1}), sign};

    KeySpec url = spec("url", KeyType::string);
    url.required = true;
    c.miner_drivers["axeos"] = {url, spec("timeout", KeyType::duration, Duration{2000}),
                                spec("allow_overclock", KeyType::boolean, false)};
    KeySpec cg_port = spec("port", KeyType::integer, std::int64_t{4028});
    c.miner_drivers["cgminer"] = {host, cg_port};

    KeySpec reserve = spec("reserve_w", KeyType::number, 100.0);
    reserve.min = 0;
    KeySpec meter = spec("meter", KeyType::string, std::string(""));
    meter.ref = RefKind::source;
    c.policies["solar_surplus"] = {reserve, spec("shed_after", KeyType::duration, Duration{10000}),
                                   meter};
    c.policies["fixed"] = {spec("power_w", KeyType::number, 0.0)};
    return c;
}

const char* kValid = R"(
[site]
name = "barn"
max_draw_w = 3000

[governor]
priority = ["bitaxe-2"]

[policy]
use = "solar_surplus"

[policy.solar_surplus]
reserve_w = 250
meter = "grid"

[policy.fixed]
power_w = 500

[[sources]]
id = "grid"
type = "sunspec"
host = "192.0.2.10"
timeout = "2s"

[[miners]]
id = "bitaxe-1"
driver = "axeos"
url = "http://192.0.2.21"
max_power_w = 20

[[miners]]
id = "bitaxe-2"
driver = "axeos"
url = "http://192.0.2.22"
timeout = "3s"
)";

LoadResult load(const std::string& text) { return load_string(text, "t.toml", test_catalog()); }

std::vector<std::string> lines(const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics) out.push_back(d.format());
    return out;
}

bool has_line(const LoadResult& r, const std::string& text) {
    auto all = lines(r);
    bool found = std::find(all.begin(), all.end(), text) != all.end();
    if (!found) {
        for (const auto& l : all) UNSCOPED_INFO(l);
    }
    return found;
}

}  // namespace

TEST_CASE("config loader: a valid file fills every section and default", "[config]") {
    auto r = load(kValid);
    for (const auto& l : lines(r)) UNSCOPED_INFO(l);
    REQUIRE(r.ok());
    const SiteConfig& c = *r.config;
    CHECK(c.path == "t.toml");
    CHECK(c.site.get_string("name") == "barn");
    CHECK(c.site.get_number("max_draw_w") == 3000);
    CHECK(c.site.get_duration("period") == Duration{1000});
    CHECK(c.site.get_string("safe_state") == "paused");
    CHECK(c.site.get_duration("miner_poll_interval") == Duration{5000});
    CHECK(c.governor.get_duration("min_dwell") == Duration{30000});
    CHECK(c.governor.get_number("ramp_up_w_per_s") == 0);
    CHECK(c.governor.get_list("priority") == std::vector<std::string>{"bitaxe-2"});
    CHECK(c.journal.get_string("path") == "hashsink.db");
    CHECK(c.journal.get_duration("retention") == Duration{30LL * 86'400'000});
    CHECK(c.journal.get_duration("commit_interval") == Duration{500});
    CHECK(c.web.get_bool("enabled") == true);
    CHECK(c.web.get_string("listen") == "127.0.0.1:8080");
    CHECK(c.policy == "solar_surplus");
    CHECK(c.policy_options.get_number("reserve_w") == 250);
    CHECK(c.policy_options.get_duration("shed_after") == Duration{10000});

    REQUIRE(c.sources.size() == 1);
    const PluginConfig& s = c.sources[0];
    CHECK(s.id == "grid");
    CHECK(s.kind == "sunspec");
    CHECK(s.common.get_duration("poll_interval") == Duration{1000});
    CHECK(s.common.get_duration("max_age") == Duration{5000});
    CHECK(s.common.get_duration("timeout") == Duration{2000});
    CHECK(s.options.get_duration("timeout") == Duration{2000});  // copied for the driver
    CHECK(s.options.get_string("host") == "192.0.2.10");
    CHECK(s.options.get_int("port") == 502);
    CHECK(s.options.get_string("meter_sign") == "import_positive");
    CHECK_FALSE(s.options.has("id"));
    CHECK(s.where.line == 19);

    REQUIRE(c.miners.size() == 2);
    CHECK(c.miners[0].id == "bitaxe-1");
    CHECK(c.miners[0].kind == "axeos");
    CHECK(c.miners[0].common.get_bool("enabled") == true);
    CHECK(c.miners[0].common.get_number("max_power_w") == 20);
    CHECK(c.miners[0].common.get_number("min_power_w") == 0);
    CHECK(c.miners[0].options.get_duration("timeout") == Duration{2000});
    CHECK(c.miners[1].options.get_duration("timeout") == Duration{3000});
    CHECK(c.miners[1].options.get_bool("allow_overclock") == false);
}

TEST_CASE("config loader: the policy in use gets defaults without its own table", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\n[policy]\nuse = \"fixed\"\n");
    REQUIRE(r.ok());
    CHECK(r.config->policy == "fixed");
    CHECK(r.config->policy_options.get_number("power_w", -1) == 0);
    auto d = load("[site]\nmax_draw_w = 1\n");
    REQUIRE(d.ok());
    CHECK(d.config->policy == "solar_surplus");
    CHECK(d.config->policy_options.get_number("reserve_w") == 100);
}

TEST_CASE("config loader: unknown keys name the closest valid key", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\nperiood = \"2s\"\n[governer]\n");
    CHECK_FALSE(r.ok());
    CHECK(has_line(r, "t.toml:3:1: error: site.periood: unknown key; did you mean \"period\"?"));
    CHECK(has_line(r, "t.toml:4:2: error: governer: unknown key; did you mean \"governor\"?"));
    auto far = load("[site]\nmax_draw_w = 1\nzzzzzzzzzzzz = 1\n");
    REQUIRE(far.diagnostics.size() == 1);
    CHECK(far.diagnostics[0].message.find("valid keys: name, period") != std::string::npos);
}

TEST_CASE("config loader: plugin keys are checked against their type's table", "[config]") {
    auto r = load(R"([site]
max_draw_w = 1
[[sources]]
id = "grid"
type = "sunspec"
hots = "x"
port = 70000
meter_sign = "import"
[[miners]]
id = "m"
driver = "axeos"
url = "http://x"
allow_overclok = true
)");
    CHECK(has_line(r, "t.toml:3:1: error: sources[0].host: missing required key"));
    CHECK(has_line(r, "t.toml:6:1: error: sources[0].hots: unknown key; did you mean \"host\"?"));
    CHECK(has_line(r, "t.toml:7:8: error: sources[0].port: 70000 is out of range: must be "
                      "between 1 and 65535"));
    CHECK(has_line(r, "t.toml:8:14: error: sources[0].meter_sign: \"import\" is not one of: "
                      "import_positive, export_positive; did you mean \"import_positive\"?"));
    CHECK(has_line(r, "t.toml:13:1: error: miners[0].allow_overclok: unknown key; did you mean "
                      "\"allow_overclock\"?"));
    CHECK(r.diagnostics.size() == 5);
}

TEST_CASE("config loader: an unknown type is reported once, its keys are not judged",
          "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\n[[sources]]\nid = \"g\"\ntype = \"sunspek\"\n"
                  "host = 1\nwhatever = 2\n[[miners]]\nid = \"m\"\ndriver = \"axe\"\n");
    CHECK(has_line(r, "t.toml:5:8: error: sources[0].type: unknown source type \"sunspek\"; did "
                      "you mean \"sunspec\"?"));
    CHECK(has_line(r, "t.toml:10:10: error: miners[0].driver: unknown miner driver \"axe\"; did "
                      "you mean \"axeos\"?"));
    CHECK(r.diagnostics.size() == 2);
}

TEST_CASE("config loader: types, durations and ranges", "[config]") {
    auto r = load(R"([site]
max_draw_w = "3000"
period = 5
miner_poll_interval = "5x"
safe_state = "off"
[governor]
min_dwell = "2h"
ramp_up_w_per_s = -1
priority = ["a", 3]
[journal]
commit_interval = "1.2.3s"
[web]
enabled = "yes"
listen = "localhost"
)");
    CHECK(has_line(r, "t.toml:2:14: error: site.max_draw_w: expected a number, got string"));
    CHECK(has_line(r, "t.toml:3:10: error: site.period: expected a duration string like \"5s\", "
                      "got integer"));
    CHECK(has_line(r, "t.toml:4:23: error: site.miner_poll_interval: invalid duration \"5x\": "
                      "use numbers with units ms, s, m, h, d, like \"500ms\", \"5s\" or "
                      "\"1h30m\""));
    CHECK(has_line(r, "t.toml:5:14: error: site.safe_state: \"off\" is not one of: paused, "
                      "minimum"));
    CHECK(has_line(r, "t.toml:7:13: error: governor.min_dwell: \"2h\" is out of range: must be "
                      "between 0s and 1h"));
    CHECK(has_line(r, "t.toml:8:19: error: governor.ramp_up_w_per_s: -1 is out of range: must be "
                      "at least 0 W/s"));
    CHECK(has_line(r, "t.toml:9:18: error: governor.priority[1]: expected a string, got integer"));
    CHECK(has_line(r, "t.toml:11:19: error: journal.commit_interval: invalid duration \"1.2.3s\": "
                      "use numbers with units ms, s, m, h, d, like \"500ms\", \"5s\" or "
                      "\"1h30m\""));
    CHECK(has_line(r, "t.toml:13:11: error: web.enabled: expected a boolean (true or false), got "
                      "string"));
    CHECK(has_line(r, "t.toml:14:10: error: web.listen: expected host:port, like "
                      "\"127.0.0.1:8080\""));
    CHECK(has_line(r, "t.toml:9:13: error: governor.priority[0]: unknown miner id \"a\" (no "
                      "[[miners]] are defined)"));
    CHECK(r.diagnostics.size() == 11);
}

TEST_CASE("config loader: integers are numbers, floats are not integers", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1500.5\n[[sources]]\nid = \"g\"\ntype = \"sunspec\"\n"
                  "host = \"h\"\nport = 502.0\n");
    CHECK(has_line(r, "t.toml:7:8: error: sources[0].port: expected an integer, got float"));
    CHECK(r.diagnostics.size() == 1);
    auto nan = load("[site]\nmax_draw_w = nan\n");
    CHECK(has_line(nan, "t.toml:2:14: error: site.max_draw_w: expected a finite number, got nan"));
}

TEST_CASE("config loader: missing required keys are reported at the table", "[config]") {
    auto r = load("[site]\nname = \"x\"\n\n[[miners]]\nenabled = false\n");
    CHECK(has_line(r, "t.toml:1:1: error: site.max_draw_w: missing required key"));
    CHECK(has_line(r, "t.toml:4:1: error: miners[0].id: missing required key"));
    CHECK(has_line(r, "t.toml:4:1: error: miners[0].driver: missing required key"));
    auto none = load("");
    CHECK(has_line(none, "t.toml:1:1: error: site.max_draw_w: missing required key"));
}

TEST_CASE("config loader: duplicate ids name the first definition", "[config]") {
    auto r = load(R"([site]
max_draw_w = 1
[[miners]]
id = "m"
driver = "axeos"
url = "u1"
[[miners]]
id = "m"
driver = "axeos"
url = "u2"
[[sources]]
id = "m"
type = "sunspec"
host = "h"
)");
    CHECK(has_line(r, "t.toml:8:6: error: miners[1].id: duplicate miner id \"m\" (first defined "
                      "at line 4)"));
    CHECK(r.diagnostics.size() == 1);  // sources and miners are separate namespaces
}

TEST_CASE("config loader: two miners at one address are refused at the second, naming both",
          "[config]") {
    // A [[miners]] entry: four lines, the address on the last, then `more`.
    auto entry = [](const char* id, const char* driver, const std::string& address,
                    const std::string& more = "") {
        return std::string("[[miners]]\nid = \"") + id + "\"\ndriver = \"" + driver + "\"\n" +
               address + "\n" + more;
    };
    const std::string site = "[site]\nmax_draw_w = 1\n";
    auto r = load(site + entry("a", "axeos", "url = \"http://192.0.2.5\"") +
                  entry("b", "axeos", "url = \"HTTP://192.0.2.5:80/\"") +
                  entry("c", "cgminer", "host = \"192.0.2.7\"") +
                  entry("d", "cgminer", "host = \"192.0.2.7\"", "port = 4028\n") +
                  entry("spare", "axeos", "url = \"http://192.0.2.5\"", "enabled = false\n"));
    CHECK(has_line(r,
                   "t.toml:10:7: error: miners[1].url: miner \"b\" has the same address as miner "
                   "\"a\" (line 6): 192.0.2.5:80; one device driven by two entries would get "
                   "two targets at once"));
    CHECK(has_line(r,
                   "t.toml:18:8: error: miners[3].host: miner \"d\" has the same address as "
                   "miner \"c\" (line 14): 192.0.2.7:4028; one device driven by two entries "
                   "would get two targets at once"));
    CHECK(r.diagnostics.size() == 2);  // a disabled entry drives nothing

    // Another port, another path, https's own port, an IPv6 address with a port: all distinct.
    auto ok = load(site + entry("a", "axeos", "url = \"http://192.0.2.5\"") +
                   entry("b", "axeos", "url = \"http://192.0.2.5:8080\"") +
                   entry("c", "axeos", "url = \"https://192.0.2.5\"") +
                   entry("d", "axeos", "url = \"http://192.0.2.5/second\"") +
                   entry("e", "axeos", "url = \"http://[2001:db8::1]:80\"") +
                   entry("f", "axeos", "url = \"http://[2001:db8::1]:81\"") +
                   entry("g", "cgminer", "host = \"192.0.2.5\""));
    INFO((ok.diagnostics.empty() ? std::string() : ok.diagnostics[0].format()));
    CHECK(ok.diagnostics.empty());
}

TEST_CASE("config loader: references must name defined ids", "[config]") {
    auto r = load(R"([site]
max_draw_w = 1
[governor]
priority = ["bitaxe-1", "bitaxe-9"]
[policy.solar_surplus]
meter = "gird"
[[sources]]
id = "grid"
type = "sunspec"
host = "h"
[[miners]]
id = "bitaxe-1"
driver = "axeos"
url = "u"
)");
    CHECK(has_line(r, "t.toml:4:25: error: governor.priority[1]: unknown miner id \"bitaxe-9\"; "
                      "did you mean \"bitaxe-1\"?"));
    CHECK(has_line(r, "t.toml:6:9: error: policy.solar_surplus.meter: unknown source id \"gird\"; "
                      "did you mean \"grid\"?"));
    CHECK(r.diagnostics.size() == 2);
    auto none = load("[site]\nmax_draw_w = 1\n[governor]\npriority = [\"x\"]\n");
    CHECK(has_line(none, "t.toml:4:13: error: governor.priority[0]: unknown miner id \"x\" (no "
                         "[[miners]] are defined)"));
}

TEST_CASE("config loader: min_power_w above max_power_w", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\n[[miners]]\nid = \"m\"\ndriver = \"axeos\"\n"
                  "url = \"u\"\nmax_power_w = 10\nmin_power_w = 12\n");
    CHECK(has_line(r, "t.toml:8:15: error: miners[0].min_power_w: min_power_w (12 W) is greater "
                      "than max_power_w (10 W)"));
    auto uncapped = load("[site]\nmax_draw_w = 1\n[[miners]]\nid = \"m\"\ndriver = \"axeos\"\n"
                         "url = \"u\"\nmin_power_w = 12\n");
    CHECK(uncapped.ok());
}

TEST_CASE("config loader: policy tables", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\n[policy]\nuse = \"solar_surplu\"\nfoo = 1\n"
                  "[policy.fixd]\n[policy.fixed]\npower_w = \"x\"\n");
    CHECK(has_line(r, "t.toml:4:7: error: policy.use: \"solar_surplu\" is not one of: fixed, "
                      "solar_surplus; did you mean \"solar_surplus\"?"));
    CHECK(has_line(r, "t.toml:5:1: error: policy.foo: unknown key (valid keys: use, fixed, "
                      "solar_surplus)"));
    CHECK(has_line(r, "t.toml:6:9: error: policy.fixd: unknown policy; did you mean \"fixed\"?"));
    CHECK(has_line(r, "t.toml:8:11: error: policy.fixed.power_w: expected a number, got string"));
    CHECK(r.diagnostics.size() == 4);
}

TEST_CASE("config loader: wrong shapes of sections", "[config]") {
    auto r = load("site = 1\nsources = 2\nminers = [1]\npolicy = \"x\"\n");
    CHECK(has_line(r, "t.toml:1:8: error: site: expected a table ([site]), got integer"));
    CHECK(has_line(r, "t.toml:2:11: error: sources: expected an array of tables ([[sources]]), "
                      "got integer"));
    CHECK(has_line(r, "t.toml:3:11: error: miners[0]: expected a table ([[miners]]), got "
                      "integer"));
    CHECK(has_line(r, "t.toml:4:10: error: policy: expected a table ([policy]), got string"));
}

TEST_CASE("config loader: invalid ids", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\n[[miners]]\nid = \"a b\"\ndriver = \"axeos\"\n"
                  "url = \"u\"\n");
    CHECK(has_line(r, "t.toml:4:6: error: miners[0].id: invalid id \"a b\": use 1 to 64 letters, "
                      "digits, '_', '-' or '.'"));
}

TEST_CASE("config loader: syntax errors carry the parser's position", "[config]") {
    auto r = load("[site]\nmax_draw_w = 1\nname = \"unterminated\n");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].where.line == 3);
    CHECK(r.diagnostics[0].message.rfind("TOML syntax error: ", 0) == 0);
    auto dup = load("[site]\nmax_draw_w = 1\nmax_draw_w = 2\n");
    REQUIRE(dup.diagnostics.size() == 1);
    CHECK(dup.diagnostics[0].where.line == 3);
}

TEST_CASE("config loader: hostile input never crashes", "[config]") {
    std::mt19937 rng(12345);
    for (int i = 0; i < 300; ++i) {
        std::string text(rng() % 2000, '\0');
        for (auto& c : text) c = static_cast<char>(rng());
        auto r = load(text);
        CHECK_FALSE(r.ok());
    }
    // Mutations of a valid file: flip, insert and delete bytes.
    const std::string base = kValid;
    for (int i = 0; i < 500; ++i) {
        std::string text = base;
        for (int k = 0; k < 4; ++k) {
            std::size_t at = rng() % text.size();
            switch (rng() % 3) {
                case 0: text[at] = static_cast<char>(" =[]\"\n.,0a{}#'"[rng() % 15]); break;
                case 1: text.insert(at, 1, static_cast<char>(rng() % 128)); break;
                default: text.erase(at, 1);
            }
        }
        auto r = load(text);
        for (const auto& d : r.diagnostics) CHECK(d.format().find("internal error") == std::string::npos);
    }
    CHECK_FALSE(load(std::string(2 * 1024 * 1024, '#')).ok());
    CHECK_FALSE(load(std::string(100000, '[')).ok());
    CHECK_FALSE(load("a = " + std::string(100000, '[')).ok());
    // Thousands of miners and dangling references: the suggestion work is bounded, so this ends
    // well inside the test's CTest timeout (a quadratic search would not).
    std::string many = "[site]\nmax_draw_w = 1\n[governor]\npriority = [";
    for (int i = 0; i < 5000; ++i) many += "\"nope-" + std::to_string(i) + "\",";
    many += "]\n";
    for (int i = 0; i < 5000; ++i)
        many += "[[miners]]\nid = \"m" + std::to_string(i) + "\"\ndriver = \"axeos\"\nurl = \"u" +
                std::to_string(i) + "\"\n";
    auto m = load(many);
    CHECK(m.diagnostics.size() == 5000);
    std::string long_key = "[site]\nmax_draw_w = 1\n" + std::string(5000, 'k') + " = 1\n";
    auto lk = load(long_key);
    REQUIRE(lk.diagnostics.size() == 1);
    CHECK(lk.diagnostics[0].format().size() < 300);
}

TEST_CASE("config loader: unreadable and oversized files", "[config]") {
    auto missing = load_file("/nonexistent/hashsink.toml", test_catalog());
    REQUIRE(missing.diagnostics.size() == 1);
    CHECK(missing.diagnostics[0].format() ==
          "/nonexistent/hashsink.toml:0:0: error: cannot read file: No such file or directory");
}

TEST_CASE("config suggest: edit distance and quoting", "[config]") {
    CHECK(edit_distance("period", "period") == 0);
    CHECK(edit_distance("peroid", "period") == 1);
    CHECK(edit_distance("perod", "period") == 1);
    CHECK(closest("max_drw_w", {"name", "max_draw_w"}) == std::optional<std::string>("max_draw_w"));
    CHECK_FALSE(closest("xyz", {"max_draw_w"}));
    CHECK(quoted("a\"b\n") == "\"a\\\"b\\x0a\"");
    CHECK(printable(std::string(100, 'x')).size() == 67);
    CHECK(duration_text(30LL * 86'400'000) == "30d");
    CHECK(duration_text(500) == "500ms");
}

TEST_CASE("config reference: every fixed key and plugin appears", "[config]") {
    std::string md = reference_markdown(test_catalog());
    for (const auto* table : {&site_keys(), &governor_keys(), &journal_keys(), &web_keys(),
                              &source_keys(), &miner_keys(), &policy_keys()})
        for (const auto& k : *table) CHECK(md.find("| `" + k.name + "` |") != std::string::npos);
    CHECK(md.find("### type = \"sunspec\"") != std::string::npos);
    CHECK(md.find("### driver = \"axeos\"") != std::string::npos);
    CHECK(md.find("### [policy.solar_surplus]") != std::string::npos);
    CHECK(md.find("| `meter_sign` | string | `\"import_positive\"` |") != std::string::npos);
}

TEST_CASE("config loader: a secret file any user can read is refused at its key", "[config]") {
    char dir_template[] = "/tmp/hashsink-secret-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::string file = std::string(dir_template) + "/miner.pw";
    FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("hunter2\n", f);
    std::fclose(f);
    Catalog c = test_catalog();
    KeySpec pw = spec("password_file", KeyType::string, std::string(""));
    pw.secret = true;
    c.miner_drivers["axeos"].push_back(pw);
    const std::string text =
        "[site]\nmax_draw_w = 100\n[[miners]]\nid = \"m\"\ndriver = \"axeos\"\n"
        "url = \"http://192.0.2.9\"\npassword_file = \"" +
        file + "\"\n";
    ::chmod(file.c_str(), 0644);
    auto r = load_string(text, "t.toml", c);
    CHECK(has_line(r, "t.toml:7:17: error: miners[0].password_file: " + file +
                          " can be read or written by any user (mode 0644): make it private, "
                          "e.g. chmod 600 " +
                          file));
    ::chmod(file.c_str(), 0640);  // its group (the daemon's) may read it
    CHECK(load_string(text, "t.toml", c).ok());
    std::remove(file.c_str());
    ::rmdir(dir_template);
}
