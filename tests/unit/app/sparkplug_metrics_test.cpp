// Sparkplug B, pure: a hand-built status as the node's and the miners' metrics, births and data
// read back through the generated code, NDEATH, topics, a host's STATE, and NCMD / DCMD writes
// as commands (by name and by alias; refusals).
#include "daemon/app/sparkplug/sparkplug_metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>

using namespace hashsink;
using namespace hashsink::app::sparkplug;

namespace {

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

loop::LoopStatus a_status() {
    loop::LoopStatus st;
    st.tick = 3;
    st.at = kNow;
    st.decision.policy = "solar_surplus";
    st.decision.budget_w = 120;
    st.decision.shed = true;
    st.measured_w = 100;
    loop::SourceStatus inv{.id = "inverter", .ok = true};
    inv.readings.push_back({"pv.ac_power_w", Reading{900, kNow}});
    inv.readings.push_back({"grid.power_w", Reading{-50, kNow - std::chrono::seconds(60)}});
    st.sources.push_back(inv);
    loop::MinerStatus a{.id = "a", .driver = "axeos", .online = true};
    MinerState s;
    s.state = MinerRunState::mining;
    s.power_w = 15;
    a.state = s;
    a.target.run = true;
    a.target.power_w = 16;
    st.miners.push_back(a);
    st.miners.push_back({.id = "b", .driver = "axeos", .online = false});
    return st;
}

const Metric& named(const std::vector<Metric>& ms, const std::string& name) {
    for (const auto& m : ms)
        if (m.name == name) return m;
    FAIL("no metric " << name);
    return ms.front();
}

pb::Payload round_trip(const pb::Payload& p) {
    std::string bytes;
    REQUIRE(p.SerializeToString(&bytes));
    pb::Payload back;
    REQUIRE(back.ParseFromString(bytes));
    return back;
}

pb::Payload write(const std::string& name, double value) {
    pb::Payload p;
    auto* m = p.add_metrics();
    m->set_name(name);
    m->set_datatype(10);
    m->set_double_value(value);
    return p;
}

}  // namespace

TEST_CASE("sparkplug: the node's and each miner's metrics with aliases unique on the node",
          "[unit][sparkplug]") {
    const auto st = a_status();
    const auto node = node_metrics(st, 7, kNow);
    CHECK(std::get<std::int64_t>(named(node, "bdSeq").value) == 7);
    CHECK(std::get<bool>(named(node, kRebirth).value) == false);
    CHECK(std::get<double>(named(node, "Site/Solar Power W").value) == 900);
    // A stale reading is null, never its last value.
    CHECK(std::holds_alternative<std::monostate>(named(node, "Site/Grid Power W").value));
    CHECK(std::get<double>(named(node, "Fleet/Draw W").value) == 100);
    CHECK(std::get<double>(named(node, "Policy/Budget W").value) == 120);
    CHECK(std::get<std::string>(named(node, "Policy/Name").value) == "solar_surplus");
    CHECK(std::get<std::string>(named(node, "Site/State").value) == "shed");
    CHECK(std::get<bool>(named(node, "Alarms/Shed").value));
    CHECK(std::get<std::int64_t>(named(node, "Fleet/Miners Online").value) == 1);
    CHECK(std::holds_alternative<std::monostate>(named(node, kSiteLimit).value));
    CHECK(std::holds_alternative<std::monostate>(named(node, "Site/Limit W").value));
    // The limit this host wrote, and the one in force from every source.
    auto limited = st;
    limited.site_limits["sparkplug"].limit_w = 450;
    limited.site_limits["modbus"].limit_w = 300;
    limited.site_limit_w = 300;
    const auto with_limit = node_metrics(limited, 7, kNow);
    CHECK(std::get<double>(named(with_limit, kSiteLimit).value) == 450);
    CHECK(std::get<double>(named(with_limit, "Site/Limit W").value) == 300);

    std::set<std::uint64_t> aliases;
    for (const auto& m : node) CHECK(aliases.insert(m.alias).second);
    const auto a = device_metrics(st.miners[0], 0);
    const auto b = device_metrics(st.miners[1], 1);
    for (const auto* d : {&a, &b})
        for (const auto& m : *d) CHECK(aliases.insert(m.alias).second);
    CHECK(std::get<double>(named(a, "Power W").value) == 15);
    CHECK(std::get<double>(named(a, "Target W").value) == 16);
    CHECK(std::get<std::string>(named(a, "State").value) == "mining");
    CHECK(std::get<std::string>(named(b, "State").value) == "offline");
    CHECK(std::holds_alternative<std::monostate>(named(b, "Power W").value));
}

TEST_CASE("sparkplug: births carry names and data only aliases (historical when stored)",
          "[unit][sparkplug]") {
    auto st = a_status();
    const auto before = node_metrics(st, 1, kNow);
    const auto birth = round_trip(birth_payload(before, 1234));
    CHECK(birth.timestamp() == 1234);
    CHECK_FALSE(birth.has_seq());  // the session sets it
    REQUIRE(birth.metrics_size() == static_cast<int>(before.size()));
    for (int i = 0; i < birth.metrics_size(); ++i) {
        const auto& m = birth.metrics(i);
        CHECK(m.name() == before[i].name);
        CHECK(m.alias() == before[i].alias);
        CHECK(m.datatype() == static_cast<std::uint32_t>(before[i].type));
        CHECK(m.timestamp() == 1234);
    }
    const auto& grid = birth.metrics(2);
    CHECK(grid.name() == "Site/Grid Power W");
    CHECK(grid.is_null());
    CHECK(grid.value_case() == pb::Payload_Metric::VALUE_NOT_SET);

    st.measured_w = 140;
    const auto diff = changed(node_metrics(st, 1, kNow), before);
    REQUIRE(diff.size() == 1);
    CHECK(diff[0].name == "Fleet/Draw W");
    const auto data = round_trip(data_payload(diff, 2000, true));
    REQUIRE(data.metrics_size() == 1);
    CHECK_FALSE(data.metrics(0).has_name());
    CHECK(data.metrics(0).alias() == diff[0].alias);
    CHECK(data.metrics(0).double_value() == 140);
    CHECK(data.metrics(0).is_historical());
    CHECK_FALSE(round_trip(data_payload(diff, 2000, false)).metrics(0).is_historical());
    CHECK(changed(before, before).empty());
}

TEST_CASE("sparkplug: NDEATH carries bdSeq and no seq - topics - a host's STATE",
          "[unit][sparkplug]") {
    const auto death = round_trip(death_payload(42, 99));
    CHECK_FALSE(death.has_seq());
    REQUIRE(death.metrics_size() == 1);
    CHECK(death.metrics(0).name() == "bdSeq");
    CHECK(death.metrics(0).datatype() == 4);  // Int64
    CHECK(death.metrics(0).long_value() == 42);

    CHECK(topic("g", "NBIRTH", "n") == "spBv1.0/g/NBIRTH/n");
    CHECK(topic("g", "DDATA", "n", "a") == "spBv1.0/g/DDATA/n/a");
    auto t = parse_topic("spBv1.0/g/DCMD/n/miner-1");
    REQUIRE(t);
    CHECK(t->type == "DCMD");
    CHECK(t->device == "miner-1");
    CHECK_FALSE(parse_topic("spBv1.0/g/NCMD"));
    CHECK_FALSE(parse_topic("other/g/NCMD/n"));

    auto on = parse_host_state(R"({"online": true, "timestamp": 1700000000000})");
    REQUIRE(on);
    CHECK(on->online);
    CHECK(on->timestamp_ms == 1700000000000u);
    CHECK_FALSE(parse_host_state("ONLINE"));  // Sparkplug 2.2's plain text is not 3.0's
    CHECK_FALSE(parse_host_state(R"({"online": "yes"})"));
}

TEST_CASE("sparkplug: NCMD rebirth and site limit by name or alias - bad writes refused",
          "[unit][sparkplug]") {
    const auto born = node_metrics(loop::LoopStatus{}, 0, {});
    pb::Payload p;
    auto* r = p.add_metrics();
    r->set_name(kRebirth);
    r->set_boolean_value(true);
    auto c = node_commands(p, born);
    REQUIRE(c.commands.size() == 1);
    CHECK(c.commands[0].kind == Command::Kind::rebirth);
    CHECK(c.refused.empty());

    c = node_commands(write(kSiteLimit, 2500), born);
    REQUIRE(c.commands.size() == 1);
    CHECK(c.commands[0].kind == Command::Kind::site_limit);
    CHECK(c.commands[0].site_limit_w == 2500);

    // By alias, as a host writes after the birth.
    pb::Payload by_alias = write(kSiteLimit, 0);
    by_alias.mutable_metrics(0)->clear_name();
    by_alias.mutable_metrics(0)->set_alias(named(born, kSiteLimit).alias);
    c = node_commands(by_alias, born);
    REQUIRE(c.commands.size() == 1);
    CHECK(c.commands[0].site_limit_w == 0);

    for (double bad : {-1.0, std::nan("")}) {
        c = node_commands(write(kSiteLimit, bad), born);
        CHECK(c.commands.empty());
        REQUIRE(c.refused.size() == 1);
        CHECK_THAT(c.refused[0], Catch::Contains("Control/Site Limit W"));
    }
    pb::Payload clear;
    auto* n = clear.add_metrics();
    n->set_name(kSiteLimit);
    n->set_is_null(true);
    c = node_commands(clear, born);
    REQUIRE(c.commands.size() == 1);
    CHECK_FALSE(c.commands[0].site_limit_w);

    c = node_commands(write("Fleet/Draw W", 5), born);
    CHECK(c.commands.empty());
    CHECK_THAT(c.refused.at(0), Catch::Contains("not writable"));
}

TEST_CASE("sparkplug: DCMD writes a miner's override and enabled and cap as MQTT control does",
          "[unit][sparkplug]") {
    pb::Payload p;
    auto* o = p.add_metrics();
    o->set_name("Control/Override");
    o->set_string_value("off");
    auto* e = p.add_metrics();
    e->set_alias(device_metrics(loop::MinerStatus{.id = "a"}, 2)[8].alias);  // Control/Enabled
    e->set_boolean_value(false);
    auto* w = p.add_metrics();
    w->set_name("Control/Max Power W");
    w->set_double_value(1200);
    auto* bad = p.add_metrics();
    bad->set_name("Power W");
    bad->set_double_value(3);
    auto c = device_commands(p, "a", 2, kNow);
    REQUIRE(c.commands.size() == 3);
    const auto& override_ = c.commands[0].miner.miner;
    CHECK(override_.id == "a");
    REQUIRE(override_.change_override);
    REQUIRE(override_.override_);
    CHECK(override_.override_->mode == ManualOverride::Mode::off);
    CHECK(override_.override_->by == "sparkplug");
    CHECK(override_.override_->until == kNow + std::chrono::minutes(app::kDefaultOverrideMinutes));
    CHECK(c.commands[1].miner.miner.enabled == false);
    CHECK(c.commands[2].miner.miner.max_power_w == 1200);
    REQUIRE(c.refused.size() == 1);
    CHECK_THAT(c.refused[0], Catch::Contains("Power W: not writable"));

    pb::Payload wrong;
    auto* x = wrong.add_metrics();
    x->set_name("Control/Override");
    x->set_string_value("turbo");
    c = device_commands(wrong, "a", 0, kNow);
    CHECK(c.commands.empty());
    CHECK(c.refused.size() == 1);
}
