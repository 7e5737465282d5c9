#include "adapters/sensors/mqtt_topic_cell.hpp"

namespace hashsink::sensors::mqtt {

Status topic_status(const Status& setup_error, const transport::MqttClient* client, bool any,
                    const std::string& ctx) {
    if (!setup_error.ok()) {
        Status st = setup_error;
        st.message = ctx + st.message;
        return st;
    }
    if (!client->connected()) {
        std::string why = client->last_error();
        return Status::error(ErrorCode::unreachable,
                             ctx + (why.empty() ? "not connected yet" : why));
    }
    if (!any) return Status::error(ErrorCode::timeout, ctx + "no message yet");
    return Status::success();
}

}  // namespace hashsink::sensors::mqtt
