#include <catch2/catch.hpp>

#include "daemon/core/settings.hpp"

using namespace hashsink;

namespace {

struct Example {
    std::string host;
    std::int64_t port = 0;
    double step_w = 0;
    Duration timeout{};
    bool enabled = false;
    std::vector<std::string> tags;
};

const Settings<Example>& example_settings() {
    static const auto settings =
        Settings<Example>{}
            .bind(&Example::host, {.name = "host", .doc = "Host", .required = true})
            .bind(&Example::port, {.name = "port", .doc = "Port", .fallback = std::int64_t{4028},
                                   .min = 1, .max = 65535})
            .bind(&Example::step_w, {.name = "step_w", .doc = "Step", .unit = "W",
                                     .fallback = 50.0, .min = 1, .max = 1000})
            .bind(&Example::timeout, {.name = "timeout", .doc = "Deadline", .unit = "s",
                                      .fallback = Duration{3000}, .min = 0.1, .max = 30})
            .bind(&Example::enabled, {.name = "enabled", .doc = "On", .fallback = true})
            .bind(&Example::tags, {.name = "tags", .doc = "Tags",
                                   .fallback = std::vector<std::string>{}});
    return settings;
}

}  // namespace

TEST_CASE("settings: one declaration gives the key table, its types and the struct's defaults") {
    const auto& keys = example_settings().keys();
    REQUIRE(keys.size() == 6);
    CHECK(keys[0].name == "host");
    CHECK(keys[0].type == KeyType::string);
    CHECK(keys[1].type == KeyType::integer);
    CHECK(keys[2].type == KeyType::number);
    CHECK(keys[3].type == KeyType::duration);
    CHECK(keys[4].type == KeyType::boolean);
    CHECK(keys[5].type == KeyType::string_list);

    Options given;
    given.set("host", std::string("10.0.0.5"));
    const Example e = example_settings().from(given);
    CHECK(e.host == "10.0.0.5");
    CHECK(e.port == 4028);
    CHECK(e.step_w == 50.0);
    CHECK(e.timeout == Duration{3000});
    CHECK(e.enabled);
    CHECK(e.tags.empty());
}

TEST_CASE("settings: given values are bound, and numbers and durations kept inside their range") {
    Options given;
    given.set("host", std::string("h"));
    given.set("port", std::int64_t{70000});
    given.set("step_w", 0.2);
    given.set("timeout", Duration{60'000});
    given.set("enabled", false);
    given.set("tags", std::vector<std::string>{"a", "b"});
    const Example e = example_settings().from(given);
    CHECK(e.port == 65535);
    CHECK(e.step_w == 1.0);
    CHECK(e.timeout == Duration{30'000});
    CHECK_FALSE(e.enabled);
    CHECK(e.tags == std::vector<std::string>{"a", "b"});

    given.set("timeout", Duration{20});
    CHECK(example_settings().from(given).timeout == Duration{100});
}
