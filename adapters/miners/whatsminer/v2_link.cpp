#include "adapters/miners/whatsminer/v2_link.hpp"

namespace hashsink::miners::whatsminer {

using nlohmann::json;

Result<Reading> V2Link::read() {
    Reading r;
    auto summary = client_.command("summary");
    if (!summary) return summary.error();
    decode_v2_summary(*summary, r);
    if (!r.hashrate_ths && !r.power_w)
        return Status::error(ErrorCode::protocol, "summary: no SUMMARY hashrate or power");
    auto status = client_.command("status");
    if (!status) return status.error();
    decode_v2_status(*status, r);
    if (auto devs = client_.command("devs")) decode_v2_devs(*devs, r);  // frequency: optional
    return r;
}

void V2Link::complete_identity(Reading& r) {
    if (auto v = client_.command("get_version")) {
        if (auto version = decode_v2_version(*v)) r.version = *version;
    }
    if (auto d = client_.command("devdetails")) decode_v2_devdetails(*d, r);
}

Write V2Link::command(Action action, long watts) const {
    switch (action) {
        case Action::power_off:
            return {"power_off", json{{"respbefore", "true"}}};
        case Action::power_on:
            return {"power_on", json::object()};
        case Action::power_limit:
            break;
    }
    return {"adjust_power_limit", json{{"power_limit", std::to_string(watts)}}};
}

Status V2Link::renew_credentials(const std::string& password) {
    auto t = client_.command("get_token");
    if (!t) return t.error();
    const json msg = t->is_object() && t->contains("Msg") ? (*t)["Msg"] : json();
    const std::string time = transport::json_string(msg, "time"),
                      salt = transport::json_string(msg, "salt"),
                      newsalt = transport::json_string(msg, "newsalt");
    if (time.empty() || salt.empty() || newsalt.empty())
        return Status::error(ErrorCode::protocol, "get_token: no time, salt or newsalt", false);
    token_ = v2_token(password, salt, time, newsalt);
    return Status::success();
}

Result<json> V2Link::write_once(const Write& write, const std::string& /*password*/) {
    const std::string& cmd = write.cmd;
    json command = write.param.is_object() ? write.param : json::object();
    command["cmd"] = cmd;
    auto raw = client_.exchange(v2_seal(*token_, command));
    if (!raw) {
        const auto& e = raw.error();
        return Status::error(e.code, cmd + ": " + e.message, e.retryable);
    }
    if (raw->empty()) return Status::error(ErrorCode::protocol, cmd + ": no reply");
    auto j = transport::parse_cgminer_reply(*raw, cmd);
    if (!j) return j.error();
    if (auto it = j->find("enc"); it != j->end() && it->is_string()) {
        auto plain = v2_open(token_->aes_key, it->get<std::string>());
        auto inner = plain ? json::parse(*plain, nullptr, false) : json();
        if (!inner.is_object())
            return Status::error(ErrorCode::protocol, cmd + ": encrypted reply does not decrypt");
        return inner;
    }
    return j;  // errors come back in clear
}

Refusal V2Link::refusal(const json& reply) const {
    const auto st = transport::reply_status(reply);
    if (st.status != "E" && st.status != "F") return {};
    return {"STATUS " + st.status + " code " + std::to_string(st.code) + ": " + st.msg,
            st.code == 135 || st.code == 23 || st.code == 45};
}

}  // namespace hashsink::miners::whatsminer
