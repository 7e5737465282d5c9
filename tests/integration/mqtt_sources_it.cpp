// MQTT sources against a real mosquitto on a free loopback port: sensors and prices in every
// shape, each bad input refused with a reason, stale values withheld, reconnects with
// subscriptions restored, a flapping broker, the status topic and last will, credentials from a
// file, and TLS.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <thread>

#include "adapters/sensors/mqtt_payload.hpp"
#include "adapters/sensors/mqtt_price_source.hpp"
#include "adapters/sensors/mqtt_sensor_source.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_settings.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::sensors::mqtt;
using hashsink::transport::MqttClient;
using hashsink::transport::MqttSettings;
using Steady = std::chrono::steady_clock;
using hashsink::test::broker_settings;

namespace {

bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(15)) {
    return test::eventually(pred, limit, std::chrono::milliseconds(25));
}

// Starts `client` and REQUIREs that it connects; the client's error and the broker's log say
// why when it does not.
void require_connects(MqttClient& client, const test::Mosquitto& m) {
    client.start();
    const bool up = eventually([&] { return client.connected(); });
    INFO(client.last_error() << "\n" << test::read_file(m.dir() + "/mosquitto.log"));
    REQUIRE(up);
}

// Starts `client` and REQUIREs that it reports an error.
void require_error(MqttClient& client) {
    client.start();
    REQUIRE(eventually([&] { return !client.last_error().empty(); }));
}

struct Publisher {
    MqttClient client;
    explicit Publisher(const test::Mosquitto& m)
        : client(test::plain_client_settings(m, "test-publisher")) {
        client.start();
        REQUIRE(eventually([&] { return client.connected(); }));
    }
    void send(const std::string& topic, const std::string& payload, bool retained = false) {
        REQUIRE(client.publish(topic, payload, 1, retained).ok());
    }
};

struct Collected {
    Status status;
    std::map<std::string, double> values;
    std::map<std::string, std::string> rejected;
    std::map<std::string, std::vector<ScheduleSlot>> schedules;
};

Collected collect(Source& s, TimePoint now = WallClock::now()) {
    Accumulator acc;
    Collected c;
    c.status = s.collect(now, acc);
    for (const auto& [k, v] : acc.values()) c.values[k] = v;
    for (const auto& [k, v] : acc.rejections()) c.rejected[k] = v;
    for (const auto& [k, v] : acc.schedules()) c.schedules[k] = v;
    return c;
}

SensorConfig sensor_config(const test::Mosquitto& m, const std::string& id,
                           const std::string& topic) {
    SensorConfig c = MqttSensorSource::config_from(Options{});  // the declared defaults
    c.broker = broker_settings(m, id);
    c.topic = topic;
    c.signal = "grid.power_w";
    c.unit = "W";
    c.min = -50000;
    c.max = 50000;
    return c;
}

// A broker that accepts each connection (CONNACK) and answers pings, but never acknowledges a
// SUBSCRIBE: what a client sees when its broker goes away between the two.
class NoSubackBroker {
public:
    NoSubackBroker() : listen_fd_(test::listen_loopback(port_)), thread_([this] { serve(); }) {}
    ~NoSubackBroker() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    int subscribes() const { return subscribes_; }

private:
    static bool ready(int fd) {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 50) > 0;
    }
    void serve() {
        while (!stop_) {
            if (!ready(listen_fd_)) continue;
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) continue;
            std::string in;
            char buf[512];
            while (!stop_) {
                if (!ready(fd)) continue;
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                in.append(buf, static_cast<std::size_t>(n));
                answer(fd, in);
            }
            ::close(fd);
        }
    }
    // Consumes the whole packets in `in` (remaining length in one byte: small packets only).
    void answer(int fd, std::string& in) {
        while (in.size() >= 2 && in.size() >= 2u + static_cast<unsigned char>(in[1])) {
            const auto type = static_cast<unsigned char>(in[0]) >> 4;
            if (type == 1) ::send(fd, "\x20\x02\x00\x00", 4, MSG_NOSIGNAL);  // CONNACK
            if (type == 12) ::send(fd, "\xd0\x00", 2, MSG_NOSIGNAL);         // PINGRESP
            if (type == 8) ++subscribes_;
            in.erase(0, 2 + static_cast<unsigned char>(in[1]));
        }
    }
    int port_ = 0;
    int listen_fd_;
    std::atomic<bool> stop_{false};
    std::atomic<int> subscribes_{0};
    std::thread thread_;
};
}  // namespace

TEST_CASE("mqtt_sensor: a JSON pointer into a retained message, scaled", "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    pub.send("site/meter", R"({"power": {"total": 1.5}, "unit": "kW"})", true);
    auto cfg = sensor_config(mosq, "sensor-ptr", "site/meter");
    cfg.json_pointer = "/power/total";
    cfg.scale = 1000;
    MqttSensorSource source("meter", cfg);
    Collected c;
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.values.count("grid.power_w") == 1;
    }));
    CHECK(c.status.ok());
    CHECK(c.values["grid.power_w"] == 1500);
}

TEST_CASE(
    "mqtt_sensor: NaN, infinities, text, wrong JSON, out of range and oversized payloads are "
    "refused",
    "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    auto cfg = sensor_config(mosq, "sensor-bad", "site/bad");
    cfg.json_pointer = "/w";
    cfg.broker.max_payload_bytes = 256;
    MqttSensorSource source("bad", cfg);
    REQUIRE(eventually([&] {
        return collect(source).status.code == ErrorCode::timeout;
    }));  // connected, no message
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"w": NaN})", "not JSON"},
        {R"({"w": "NaN"})", "not a finite number"},
        {R"({"w": "inf"})", "not a finite number"},
        {R"({"w": 1e999})", "not JSON"},
        {R"({"w": "lots"})", "not a number"},
        {R"({"x": 5})", "no value at /w"},
        {R"({"w": 5)", "not JSON"},
        {R"({"w": 99999999})", "out of range"},
        {"{\"w\": 5, \"pad\": \"" + std::string(1000, 'x') + "\"}", "over the limit"},
    };
    for (const auto& [payload, why] : cases) {
        INFO(payload.substr(0, 60));
        pub.send("site/good-then-bad", "x");  // unrelated topic: must not affect the source
        pub.send("site/bad", R"({"w": 42})");
        REQUIRE(eventually([&] {
            auto c = collect(source);
            return c.values.count("grid.power_w") && c.values["grid.power_w"] == 42;
        }));
        pub.send("site/bad", payload);
        Collected c;
        REQUIRE(eventually([&] {
            c = collect(source);
            return c.rejected.count("grid.power_w") == 1;
        }));
        CHECK(c.values.count("grid.power_w") == 0);
        CHECK_THAT(c.rejected["grid.power_w"], Catch::Contains(why));
    }
}

TEST_CASE(
    "mqtt_sensor: 1 MB of retained garbage is refused at the default limit, the next value "
    "is taken",
    "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    // Left on the topic before the source subscribes: the broker hands it over at once.
    pub.send("site/junk", std::string(std::size_t{1} << 20, '\xff'), true);
    MqttSensorSource source("junk", sensor_config(mosq, "sensor-junk", "site/junk"));
    Collected c;
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.rejected.count("grid.power_w") == 1;
    }));
    CHECK(c.values.count("grid.power_w") == 0);
    CHECK_THAT(c.rejected["grid.power_w"], Catch::Contains("over the limit"));
    pub.send("site/junk", "-120");
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.values.count("grid.power_w") == 1;
    }));
    CHECK(c.values["grid.power_w"] == -120);
}

TEST_CASE(
    "mqtt_sensor: a value older than its max age is withheld as stale, aged on the "
    "monotonic clock whatever the wall clock does",
    "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    auto cfg = sensor_config(mosq, "sensor-stale", "site/stale");
    cfg.max_age = Duration{1500};
    MqttSensorSource source("stale", cfg);
    REQUIRE(eventually([&] { return collect(source).status.code == ErrorCode::timeout; }));
    pub.send("site/stale", "-250");
    Collected c;
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.values.count("grid.power_w") == 1;
    }));
    CHECK(c.values["grid.power_w"] == -250);
    // The wall clock stepping an hour either way neither ages the message nor keeps it young.
    for (auto step : {std::chrono::hours(1), -std::chrono::hours(1)}) {
        c = collect(source, WallClock::now() + step);
        CHECK(c.values.count("grid.power_w") == 1);
    }
    REQUIRE(eventually([&] {
        c = collect(source, WallClock::now() - std::chrono::hours(1));
        return c.values.count("grid.power_w") == 0;
    }));
    CHECK_THAT(c.rejected["grid.power_w"], Catch::Contains("stale"));
}

TEST_CASE("mqtt_price: scalar prices converted from MWh, range-checked", "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    PriceConfig cfg = MqttPriceSource::config_from(Options{});  // the declared defaults
    cfg.broker = broker_settings(mosq, "price-scalar");
    cfg.topic = "prices/now";
    cfg.signal = "price.import_per_kwh";
    cfg.currency = "EUR";
    cfg.factor = 1e-3;  // EUR/MWh
    cfg.min = -1;
    cfg.max = 5;
    MqttPriceSource source("spot", cfg);
    pub.send("prices/now", "123.4", true);
    Collected c;
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.values.count("price.import_per_kwh") == 1;
    }));
    CHECK(c.values["price.import_per_kwh"] == Approx(0.1234));
    pub.send("prices/now", "98765", true);  // 98.8 EUR/kWh: a unit mix-up, not a price
    REQUIRE(eventually([&] {
        c = collect(source);
        return c.rejected.count("price.import_per_kwh") == 1;
    }));
    CHECK(c.values.count("price.import_per_kwh") == 0);
    CHECK_THAT(c.rejected["price.import_per_kwh"], Catch::Contains("out of range"));
}

TEST_CASE("mqtt_price: slot arrays and Home Assistant raw_today/raw_tomorrow become schedules",
          "[mqtt]") {
    test::Mosquitto mosq;
    Publisher pub(mosq);
    PriceConfig cfg = MqttPriceSource::config_from(Options{});  // the declared defaults
    cfg.broker = broker_settings(mosq, "price-slots");
    cfg.topic = "prices/slots";
    cfg.signal = "price.import_per_kwh";
    cfg.format = PriceFormat::slots;
    cfg.currency = "EUR";
    MqttPriceSource source("tariff", cfg);
    const TimePoint now = *parse_iso8601("2026-11-21T10:20:00Z");
    pub.send(
        "prices/slots",
        R"([{"start": "2026-11-21T11:15:00+01:00", "end": "2026-11-21T11:30:00+01:00", "value": 0.21},
                 {"start": "2026-11-21T11:00:00+01:00", "end": "2026-11-21T11:15:00+01:00", "value": 0.19}])",
        true);
    Collected c;
    REQUIRE(eventually([&] {
        c = collect(source, now);
        return c.schedules.count("price.import_per_kwh") == 1;
    }));
    CHECK(c.values["price.import_per_kwh"] == Approx(0.21));
    REQUIRE(c.schedules["price.import_per_kwh"].size() == 2);
    CHECK(c.schedules["price.import_per_kwh"][0].value == Approx(0.19));  // sorted by start

    pub.send("prices/slots", R"({"state": 0.3, "attributes": {
        "raw_today": [{"start": "2026-11-21T11:00:00+01:00", "end": "2026-11-21T12:00:00+01:00", "value": 0.3}],
        "raw_tomorrow": [{"start": "2026-11-22T00:00:00+01:00", "end": "2026-11-22T01:00:00+01:00", "value": 0.1}]}})");
    REQUIRE(eventually([&] {
        c = collect(source, now);
        return c.schedules["price.import_per_kwh"].size() == 2 &&
               c.values["price.import_per_kwh"] == Approx(0.3);
    }));

    // Overlaps, missing offsets, empty slots and nonsense values refuse the whole message.
    for (
        const std::string& bad :
        {std::string(
             R"([{"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T11:00:00Z", "value": 1},
                             {"start": "2026-11-21T10:30:00Z", "end": "2026-11-21T11:30:00Z", "value": 1}])"),
         std::string(
             R"([{"start": "2026-11-21T10:00:00", "end": "2026-11-21T11:00:00", "value": 1}])"),
         std::string(
             R"([{"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T10:00:00Z", "value": 1}])"),
         std::string(
             R"([{"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T11:00:00Z", "value": "cheap"}])"),
         std::string(R"({"prices": []})"),
         std::string(
             R"([{"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T11:00:00Z", "value": 5000}])")}) {
        INFO(bad);
        pub.send("prices/slots", bad);
        REQUIRE(eventually([&] {
            c = collect(source, now);
            return c.rejected.count("price.import_per_kwh") == 1;
        }));
        CHECK(c.values.count("price.import_per_kwh") == 0);
        CHECK(c.schedules.count("price.import_per_kwh") == 0);
        pub.send(
            "prices/slots",
            R"([{"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T11:00:00Z", "value": 0.2}])");
        REQUIRE(eventually([&] {
            c = collect(source, now);
            return c.values.count("price.import_per_kwh") == 1;
        }));
    }
    // A schedule that does not cover the present gives no current price.
    c = collect(source, now + std::chrono::hours(5));
    CHECK(c.values.count("price.import_per_kwh") == 0);
    CHECK_THAT(c.rejected["price.import_per_kwh"], Catch::Contains("no slot covers"));
}

TEST_CASE(
    "mqtt: reconnects after the broker restarts and restores subscriptions, a flapping broker is "
    "survived",
    "[mqtt]") {
    test::Mosquitto mosq;
    auto cfg = sensor_config(mosq, "sensor-reconnect", "site/flap");
    MqttSensorSource source("flap", cfg);
    // Connected means subscribed: a message sent now is not lost.
    REQUIRE(eventually([&] { return collect(source).status.code != ErrorCode::unreachable; }));
    auto watcher = std::make_unique<Publisher>(mosq);
    watcher->send("site/flap", "10");
    REQUIRE(eventually([&] { return collect(source).values["grid.power_w"] == 10; }));
    watcher.reset();
    for (int round = 0; round < 3; ++round) {
        mosq.stop();
        Collected down;
        REQUIRE(eventually([&] {
            down = collect(source);
            return down.status.code == ErrorCode::unreachable;
        }));
        CHECK_FALSE(down.status.message.empty());
        REQUIRE(mosq.start());
    }
    Publisher pub(mosq);
    REQUIRE(eventually([&] { return collect(source).status.code != ErrorCode::unreachable; }));
    // No retained message survives a broker without persistence: this one arrives only through
    // the subscription made again after the reconnect.
    pub.send("site/flap", "77");
    REQUIRE(eventually([&] { return collect(source).values["grid.power_w"] == 77; }));
}

TEST_CASE("mqtt: connected only once the broker acknowledged every subscription", "[mqtt]") {
    // A source reading "connected" would wait for messages that its missing subscription never
    // brings; until the broker acknowledges, the client is not connected and says why.
    NoSubackBroker broker;
    MqttSettings s;
    s.broker = broker.url();
    s.client_id = "sub-unacked";
    s.status_topic.clear();
    s.connect_timeout = Duration{500};
    s.min_backoff = Duration{100};
    s.max_backoff = Duration{200};
    MqttClient client(s);
    client.subscribe("site/meter", 1, [](const transport::MqttMessage&) {});
    client.start();
    REQUIRE(eventually([&] { return broker.subscribes() >= 2; }));  // one retry at least
    const bool was_connected =
        eventually([&] { return client.connected(); }, std::chrono::seconds(1));
    CHECK_FALSE(was_connected);
    CHECK_THAT(client.last_error(), Catch::Contains("site/meter: no acknowledgement"));
}

TEST_CASE("mqtt: a source that goes leaves no handler behind on the shared client", "[mqtt]") {
    // A reload rebuilds the sources on the same shared client.
    test::Mosquitto mosq;
    auto cfg = sensor_config(mosq, "sensor-reload", "site/reload");
    auto client = transport::shared_mqtt_client(cfg.broker);
    REQUIRE(client);
    for (int reload = 0; reload < 3; ++reload) {
        MqttSensorSource source("reload", cfg);
        CHECK((*client)->subscription_count() == 1);
    }
    CHECK((*client)->subscription_count() == 0);
}

TEST_CASE("mqtt: the status topic reads online while connected and offline after a clean stop",
          "[mqtt]") {
    test::Mosquitto mosq;
    std::mutex mu;
    std::vector<std::string> seen;
    MqttClient watcher(test::plain_client_settings(mosq, "watcher"));
    watcher.subscribe("hashsink/#", 1, [&](const transport::MqttMessage& m) {
        std::lock_guard lock(mu);
        seen.push_back(m.topic + "=" + std::string(m.payload));
    });
    watcher.start();
    REQUIRE(eventually([&] { return watcher.connected(); }));
    auto last = [&] {
        std::lock_guard lock(mu);
        return seen.empty() ? std::string() : seen.back();
    };
    {
        MqttClient daemon(broker_settings(mosq, "daemon"));
        daemon.start();
        REQUIRE(eventually([&] { return last() == "hashsink/status=online"; }));
    }
    REQUIRE(eventually([&] { return last() == "hashsink/status=offline"; }));
}

TEST_CASE("mqtt: once stop() returns, no handler runs or is still running", "[mqtt]") {
    // An owner's handlers write to the owner's members; a handler that ran on paho's thread
    // after stop() (while the disconnect completes) would write into a destroyed owner.
    test::Mosquitto mosq;
    Publisher pub(mosq);
    MqttClient sub(test::plain_client_settings(mosq, "stop-subscriber"));
    std::atomic<bool> stop_returned{false}, in_handler{false};
    std::atomic<int> handled{0}, after_stop{0};
    sub.subscribe("flood/#", 0, [&](const transport::MqttMessage&) {
        if (stop_returned) ++after_stop;
        in_handler = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));   // a slow handler
        ++handled;
        in_handler = false;
    });
    sub.start();
    REQUIRE(eventually([&] { return sub.connected(); }));
    std::atomic<bool> flooding{true};
    std::thread flood([&] {
        while (flooding) (void)pub.client.publish("flood/x", "1", 0);
    });
    REQUIRE(eventually([&] { return handled > 3; }));
    sub.stop();
    stop_returned = true;
    const bool busy_after_stop = in_handler;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));   // the flood goes on
    flooding = false;
    flood.join();
    CHECK_FALSE(busy_after_stop);
    CHECK(after_stop == 0);
}

TEST_CASE("mqtt: username and password from a file, a wrong password is reported", "[mqtt]") {
    const std::string dir = test::temp_dir();
    auto r = test::run(
        {"/usr/bin/mosquitto_passwd", "-b", "-c", dir + "/passwd", "hashsink", "s3cret pass"});
    REQUIRE(r.exit_code == 0);
    test::Mosquitto mosq("allow_anonymous false\npassword_file " + dir + "/passwd\n");
    test::write_file(dir + "/good", "s3cret pass\n");
    test::write_file(dir + "/bad", "guess\n");
    auto settings = broker_settings(mosq, "auth-good");
    settings.username = "hashsink";
    settings.password_file = dir + "/good";
    MqttClient good(settings);
    require_connects(good, mosq);
    settings.client_id = "auth-bad";
    settings.password_file = dir + "/bad";
    MqttClient bad(settings);
    require_error(bad);
    CHECK_FALSE(bad.connected());
    settings.client_id = "auth-missing";
    settings.password_file = dir + "/missing";
    MqttClient missing(settings);
    require_error(missing);
    CHECK_THAT(missing.last_error(), Catch::Contains("password_file"));
}

TEST_CASE("mqtt: TLS with the broker's CA", "[mqtt]") {
    const std::string dir = test::temp_dir();
    auto r = test::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "2", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
    REQUIRE(r.exit_code == 0);
    test::Mosquitto mosq("allow_anonymous true\ncertfile " + dir + "/cert.pem\nkeyfile " + dir +
                         "/key.pem\n");
    auto settings = broker_settings(mosq, "tls-client");
    settings.broker = mosq.url("ssl");
    settings.ca_file = dir + "/cert.pem";
    MqttClient client(settings);
    require_connects(client, mosq);
    // Without the CA the broker's certificate is not trusted.
    settings.client_id = "tls-untrusting";
    settings.ca_file = dir + "/nonexistent.pem";
    MqttClient untrusting(settings);
    require_error(untrusting);
    CHECK_FALSE(untrusting.connected());
}

TEST_CASE("mqtt: the daemon killed with SIGKILL leaves offline on the status topic (last will)",
          "[mqtt]") {
    test::Mosquitto mosq;
    const std::string dir = test::temp_dir();
    const int web_port = test::free_port();
    test::write_file(dir + "/site.toml",
                     "[site]\nmax_draw_w = 100\n\n[[sources]]\nid = \"meter\"\n"
                     "type = \"mqtt_sensor\"\nbroker = \"" +
                         mosq.url() +
                         "\"\nclient_id = \"will-daemon\"\ntopic = \"site/meter\"\n"
                         "signal = \"grid.power_w\"\n");
    std::mutex mu;
    std::vector<std::string> seen;
    MqttClient watcher(test::plain_client_settings(mosq, "will-watcher"));
    watcher.subscribe("hashsink/status", 1, [&](const transport::MqttMessage& m) {
        std::lock_guard lock(mu);
        seen.emplace_back(m.payload);
    });
    watcher.start();
    REQUIRE(eventually([&] { return watcher.connected(); }));
    auto last = [&] {
        std::lock_guard lock(mu);
        return seen.empty() ? std::string() : seen.back();
    };
    test::Child daemon({HASHSINK_BINARY, "run", "--config", dir + "/site.toml", "--db",
                        dir + "/j.db", "--listen", "127.0.0.1:" + std::to_string(web_port)},
                       dir + "/daemon.log");
    REQUIRE(eventually([&] { return last() == "online"; }, std::chrono::seconds(30)));
    REQUIRE(daemon.running());
    daemon.kill(SIGKILL);
    CHECK(daemon.wait() == 128 + SIGKILL);
    // No DISCONNECT was sent: the broker notices the dropped socket and publishes the will.
    CHECK(eventually([&] { return last() == "offline"; }, std::chrono::seconds(30)));
}
