// Home Assistant discovery configs of a hand-built status (topics, unique ids, device classes
// and units, the controls only with control on, removal filter) and the MQTT command parser
// (every command topic, good and bad payloads, each refusal naming what is wrong).
#include "daemon/app/home_assistant.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "daemon/app/mqtt_control.hpp"

using namespace hashsink;
using nlohmann::json;

namespace {

loop::LoopStatus status_with(const std::vector<std::string>& ids) {
    loop::LoopStatus st;
    for (const auto& id : ids) {
        loop::MinerStatus m{.id = id, .driver = "axeos", .online = true};
        m.caps.levels = {{.power_w = 10}, {.power_w = 20}};
        st.miners.push_back(m);
    }
    HeatZoneView z;
    z.id = "living";
    st.decision.report.heat_zones.push_back(z);
    return st;
}

app::PublishConfig ha_config(bool control) {
    app::PublishConfig c;
    c.prefix = "hashsink/site1";
    c.home_assistant = true;
    c.discovery_prefix = "homeassistant";
    c.node_id = app::node_id_from_prefix(c.prefix);
    c.control = control;
    c.currency = "EUR";
    return c;
}

std::map<std::string, json> by_topic(const std::vector<transport::OutgoingMessage>& msgs) {
    std::map<std::string, json> out;
    for (const auto& m : msgs) {
        CHECK(m.retained);
        out[m.topic] = json::parse(m.payload);
    }
    return out;
}

}  // namespace

TEST_CASE("home assistant: ids made safe for discovery topics", "[unit][home_assistant]") {
    CHECK(app::node_id_from_prefix("hashsink/site1") == "hashsink_site1");
    CHECK(app::node_id_from_prefix("a b/+c-d") == "a_b__c-d");
    CHECK(app::node_id_from_prefix("") == "hashsink");
    CHECK(app::object_id("s19.garage") == "s19_2egarage");
    CHECK(app::discovery_filter(ha_config(false)) == "homeassistant/+/hashsink_site1/+/config");
}

TEST_CASE(
    "home assistant: the site, each miner and each zone are announced with classes and "
    "units the Energy dashboard takes",
    "[unit][home_assistant]") {
    const auto configs =
        by_topic(app::discovery_messages(status_with({"m1", "s19.a"}), ha_config(false)));
    const std::string base = "homeassistant/sensor/hashsink_site1/";
    REQUIRE(configs.count(base + "site_surplus_absorbed/config"));
    const json& surplus = configs.at(base + "site_surplus_absorbed/config");
    CHECK(surplus["device_class"] == "energy");
    CHECK(surplus["state_class"] == "total_increasing");
    CHECK(surplus["unit_of_measurement"] == "kWh");
    CHECK(surplus["state_topic"] == "hashsink/site1/status");
    CHECK(surplus["value_template"] == "{{ value_json.energy.surplus_kwh }}");
    CHECK(surplus["unique_id"] == "hashsink_site1_site_surplus_absorbed");
    CHECK(surplus["availability_topic"] == "hashsink/status");
    CHECK(surplus["device"]["identifiers"][0] == "hashsink_site1");
    const json& revenue = configs.at(base + "site_hash_revenue/config");
    CHECK(revenue["device_class"] == "monetary");
    CHECK(revenue["state_class"] == "total");
    CHECK(revenue["unit_of_measurement"] == "EUR");
    const json& power = configs.at(base + "s19_2ea_power/config");
    CHECK(power["state_topic"] == "hashsink/site1/miner/s19.a");
    CHECK(power["device"]["identifiers"][0] == "hashsink_site1_s19_2ea");
    CHECK(power["device"]["via_device"] == "hashsink_site1");
    CHECK(configs.count("homeassistant/binary_sensor/hashsink_site1/m1_online/config"));
    CHECK(configs.count("homeassistant/binary_sensor/hashsink_site1/zone_living_heating/config"));
    CHECK(configs.count(base + "zone_living_temperature/config"));
    std::set<std::string> ids;
    for (const auto& [topic, c] : configs) {
        INFO(topic);
        CHECK(ids.insert(c["unique_id"].get<std::string>()).second);
        CHECK(c.contains("name"));
        CHECK(c.contains("state_topic"));  // sensors only without control
        CHECK_FALSE(c.contains("command_topic"));
    }
}

TEST_CASE(
    "home assistant: with control, each miner has a switch, a number, a select and a "
    "button on its set topics, the site an override select",
    "[unit][home_assistant]") {
    const auto configs = by_topic(app::discovery_messages(status_with({"m1"}), ha_config(true)));
    const std::string node = "/hashsink_site1/";
    const json& enabled = configs.at("homeassistant/switch" + node + "m1_enabled/config");
    CHECK(enabled["command_topic"] == "hashsink/site1/miner/m1/enabled/set");
    const json& max = configs.at("homeassistant/number" + node + "m1_max_power/config");
    CHECK(max["command_topic"] == "hashsink/site1/miner/m1/max_power_w/set");
    CHECK(max["max"] == 20);
    const json& mode = configs.at("homeassistant/select" + node + "m1_override/config");
    CHECK(mode["options"] == json({"auto", "min", "max", "off"}));
    const json& clear = configs.at("homeassistant/button" + node + "m1_override_clear/config");
    CHECK(clear["payload_press"] == "auto");
    CHECK_FALSE(clear.contains("state_topic"));
    const json& site = configs.at("homeassistant/select" + node + "site_override/config");
    CHECK(site["command_topic"] == "hashsink/site1/override/set");
    for (const auto& f : app::control_filters("hashsink/site1"))
        CHECK((f == "hashsink/site1/override/set" || f == "hashsink/site1/miner/+/+/set"));
}

TEST_CASE("mqtt control: each command topic and payload, and refusals that say what is wrong",
          "[unit][mqtt_control]") {
    const TimePoint now = from_unix_ms(1'800'000'000'000);
    const std::string p = "hashsink/site1";
    auto parse = [&](const std::string& topic, const std::string& payload) {
        return app::parse_command(
            p, p + topic, payload, [](std::string_view) { return 30; }, now);
    };
    auto c = parse("/miner/m1/enabled/set", " off ");
    REQUIRE(c);
    CHECK(c->miner.id == "m1");
    CHECK(c->miner.enabled == false);
    c = parse("/miner/m1/max_power_w/set", "1200.5");
    REQUIRE(c);
    CHECK(*c->miner.max_power_w == 1200.5);
    c = parse("/miner/m1/override/set", "MAX");
    REQUIRE(c);
    CHECK(c->miner.change_override);
    REQUIRE(c->miner.override_);
    CHECK(c->miner.override_->mode == ManualOverride::Mode::max);
    CHECK(c->miner.override_->until == now + std::chrono::minutes(30));  // its duration
    CHECK(c->miner.override_->by == "mqtt");
    c = parse("/miner/m1/override/set", R"({"mode": "min", "minutes": 90})");
    REQUIRE(c);
    CHECK(c->miner.override_->until == now + std::chrono::minutes(90));
    c = parse("/miner/m1/override/set", "auto");
    REQUIRE(c);
    CHECK((c->miner.change_override && !c->miner.override_));
    c = parse("/miner/m1/override_duration/set", "45");
    REQUIRE(c);
    CHECK(c->kind == app::ControlCommand::Kind::override_duration);
    CHECK(c->minutes == 45);
    c = parse("/override/set", "off");
    REQUIRE(c);
    CHECK(c->kind == app::ControlCommand::Kind::site_override);
    CHECK(c->site->mode == "off");
    CHECK(c->site->duration == std::chrono::minutes(app::kDefaultOverrideMinutes));

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"/miner/m1/enabled/set", "maybe"},
        {"/miner/m1/max_power_w/set", "-1"},
        {"/miner/m1/max_power_w/set", "nan"},
        {"/miner/m1/max_power_w/set", "12 W"},
        {"/miner/m1/override/set", "sideways"},
        {"/miner/m1/override/set", "{\"mode\": 3}"},
        {"/miner/m1/override/set", "{\"mode\": \"max\", \"minutes\": 0}"},
        {"/miner/m1/override/set", "{cut"},
        {"/miner/m1/override_duration/set", "99999"},
        {"/miner/m1/fan/set", "100"},
        {"/miner//enabled/set", "ON"},
        {"/status", "x"},
        {"/override/set", std::string(2000, 'a')}};
    for (const auto& [topic, payload] : bad) {
        INFO(topic << " " << payload.substr(0, 40));
        auto r = parse(topic, payload);
        REQUIRE_FALSE(r);
        CHECK_FALSE(r.error().message.empty());
    }
}
