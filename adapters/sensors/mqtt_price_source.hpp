// Source type "mqtt_price": an energy price or hashprice from MQTT, as a scalar topic (the
// current price) or a schedule (a JSON array of {start, end, value} slots, or Home Assistant's
// raw_today / raw_tomorrow). Converted to the site's currency per kWh (or per TH/s per day) and
// published as price.import_per_kwh, price.feed_in_per_kwh or price.hashprice_per_th_day: the
// current value as a reading, the slots as a schedule.
#pragma once

#include <string>
#include <vector>

#include "adapters/sensors/mqtt_topic_cell.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors::mqtt {

enum class PriceFormat { scalar, slots };

struct PriceConfig {
    transport::MqttSettings broker;
    std::string topic;
    std::string signal;  // from kind: price.import_per_kwh, ...
    PriceFormat format = PriceFormat::scalar;
    std::string json_pointer;  // scalar inside JSON
    std::string currency;
    double energy_factor = 0;  // energy_unit -> per kWh
    double hash_factor = 0;    // hash_unit -> per TH/s
    double scale = 0;
    double factor = 0;  // the kind's unit factor x scale: payload value -> signal unit
    double min = 0, max = 0;
    Duration max_age{};  // scalar: how long one message is valid
};

class MqttPriceSource final : public Source {
public:
    MqttPriceSource(std::string id, PriceConfig config);
    ~MqttPriceSource() override;
    std::string_view type_name() const override { return "mqtt_price"; }
    bool reconnects_itself() const noexcept override { return true; }
    Status collect(TimePoint now, Accumulator& out) noexcept override;

    static const Settings<PriceConfig>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static PriceConfig config_from(const Options& options);

private:
    // One message's prices: the scalar, or the schedule's slots.
    struct Prices {
        double value = 0;
        std::vector<ScheduleSlot> slots;
    };
    static Result<Prices> parse(std::string_view payload, const PriceConfig& config);

    std::string id_;
    PriceConfig config_;
    TopicCell<Prices> topic_;
};

}  // namespace hashsink::sensors::mqtt
