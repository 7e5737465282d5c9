// A room heated by the fault site's three miners from a temperature that comes over MQTT
// (heat_demand is the only thing that runs them, there is no sun), for the MQTT fault tests that
// drive the daemon binary: a bad or stale temperature that still drove the miners would show.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/fault_site.hpp"
#include "tests/support/mosquitto.hpp"

namespace hashsink::test {

// The three miners heat one room to 21 C; nothing else runs them.
extern const std::string kRoomHeatPolicy;

// The mqtt_sensor `room-temp` on home/room/temp (room.temp_c, -40..60 C, a message valid 3 s);
// `extra`: more lines for the source (keepalive = ..., max_payload_bytes = ...).
std::string room_sensor(const std::string& broker_url, const std::string& extra = "");

// A test's own client on the broker: no status topic, a 2 s keepalive, quick reconnects (it
// reconnects by itself when a frozen or stopped broker returns).
transport::MqttSettings own_client_settings(const std::string& broker,
                                            const std::string& client_id);

// A thermometer of its own on the broker (it reconnects by itself when the broker returns).
struct Thermometer {
    transport::MqttClient client;
    std::string json_key;  // empty: send() publishes the bare number, else {"<json_key>": n}

    explicit Thermometer(const std::string& broker);
    // A temperature, at QoS 0 and only while connected (a frozen broker must not block the test).
    void send(double c);
    // Any payload at QoS 1, retained or not, once connected (bounded): REQUIREs the broker took it.
    void publish(const std::string& payload, bool retained);
};

const nlohmann::json* room_value(const nlohmann::json& s);
bool room_fresh(const nlohmann::json& s);
// The source down with its error, and its value stale or never read.
bool room_down(const nlohmann::json& s);
bool any_miner_told_to_run(const nlohmann::json& s);

// Sees every status on the way for an unsafe step: planned power above `planned_w` (its level
// before the fault), or, once `stopped`, any miner told to run.
struct UnsafeWatch {
    double planned_w = 0;
    bool stopped = false;
    bool seen = false;
    void operator()(const nlohmann::json& s);
};

// `span` of statuses with the fault held and the miners stopped, through `watch`; the last one.
nlohmann::json watch_stopped(FaultSite& rig, DaemonChild& d, UnsafeWatch& watch,
                             std::chrono::seconds span);

// Publishes a cold room while it waits for pred (bounded).
nlohmann::json heating_wait(FaultSite& rig, DaemonChild& d, Thermometer& t,
                            const std::function<bool(const nlohmann::json&)>& pred,
                            std::chrono::seconds limit);

// Ticks counted over a window of `span` keep the loop's period of 300 ms (70 % at least).
void check_ticks_keep_period(FaultSite& rig, DaemonChild& d, std::chrono::seconds span);

// Stops the daemon (exit 0); its journal holds at least one event of each code for the room's
// sensor.
void stop_and_check_events(DaemonChild& d, const std::vector<std::string>& codes);

// A cold room heated by all three miners from a thermometer on a real mosquitto. `before_start`
// runs once the thermometer is up and before the daemon starts (to leave retained messages).
struct HeatedRoom {
    FaultSite rig;
    Mosquitto mosq;
    DaemonChild d;
    Thermometer thermometer;

    explicit HeatedRoom(const std::string& sensor_extra,
                        const std::function<void(Thermometer&)>& before_start = nullptr);
    // Until the room reads fresh and every miner heats it (bounded); the status then.
    nlohmann::json heat();
};

}  // namespace hashsink::test
