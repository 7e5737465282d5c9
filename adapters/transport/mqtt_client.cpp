#include "adapters/transport/mqtt_client.hpp"

#include <mqtt/async_client.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace hashsink::transport {
namespace {

constexpr std::size_t kMaxPasswordBytes = 4096;

Result<std::string> read_secret(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Status::error(ErrorCode::io, "read password_file " + path + ": cannot open", false);
    std::string text(kMaxPasswordBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxPasswordBytes)
        return Status::error(ErrorCode::invalid,
                             "read password_file " + path + ": larger than 4 KiB", false);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

}  // namespace

std::string MqttSettings::share_key() const {
    std::ostringstream s;
    s << broker << '\n'
      << client_id << '\n'
      << username << '\n'
      << password_file << '\n'
      << ca_file << '\n'
      << cert_file << '\n'
      << key_file << '\n'
      << tls_verify << '\n'
      << keepalive.count() << '\n'
      << status_topic << '\n'
      << max_payload_bytes;
    return s.str();
}

bool mqtt_topic_matches(std::string_view filter, std::string_view topic) noexcept {
    std::size_t f = 0, t = 0;
    while (true) {
        const std::size_t fe = std::min(filter.find('/', f), filter.size());
        const std::size_t te = std::min(topic.find('/', t), topic.size());
        const std::string_view flevel = filter.substr(f, fe - f);
        if (flevel == "#") return true;
        if (t > topic.size()) return false;
        const std::string_view tlevel = topic.substr(t, te - t);
        if (flevel != "+" && flevel != tlevel) return false;
        const bool f_end = fe >= filter.size(), t_end = te >= topic.size();
        if (f_end || t_end) {
            // "a/#" also matches "a".
            if (t_end && !f_end) return filter.substr(fe + 1) == "#";
            return f_end && t_end;
        }
        f = fe + 1;
        t = te + 1;
    }
}

MqttClient::MqttClient(MqttSettings settings) : settings_(std::move(settings)) {}

MqttClient::~MqttClient() { stop(); }

std::string MqttClient::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

void MqttClient::set_error(std::string message) {
    std::lock_guard lock(mutex_);
    last_error_ = std::move(message);
}

std::shared_ptr<mqtt::async_client> MqttClient::current() const {
    std::lock_guard lock(mutex_);
    return client_;
}

void MqttClient::set_will(std::function<MqttWill()> next_will) {
    next_will_ = std::move(next_will);
}

void MqttClient::start() noexcept {
    {
        // Not under mutex_: deliver() takes delivery_mutex_ first, then mutex_.
        std::lock_guard delivery(delivery_mutex_);
        handlers_closed_ = false;
    }
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    try {
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    } catch (const std::exception& e) {
        last_error_ = name() + ": start: " + e.what();
    }
}

// A new paho client for the next attempt. The old one's callbacks are told apart by generation:
// a late "connection lost" from it must not mark the new connection lost.
Status MqttClient::fresh_client() {
    std::shared_ptr<mqtt::async_client> client;
    std::uint64_t gen;
    {
        std::lock_guard lock(mutex_);
        gen = ++generation_;
        lost_ = false;
    }
    try {
        client = std::make_shared<mqtt::async_client>(settings_.broker, settings_.client_id);
        client->set_connection_lost_handler([this, gen](const std::string& cause) {
            {
                std::lock_guard l(mutex_);
                if (gen != generation_) return;
                connected_ = false;
                lost_ = true;
                last_error_ = name() + ": connection lost" + (cause.empty() ? "" : ": " + cause);
            }
            wake_.notify_all();
        });
        client->set_message_callback([this](mqtt::const_message_ptr msg) {
            if (!msg) return;
            const auto& payload = msg->get_payload_ref();
            deliver(msg->get_topic(), std::string_view(payload.data(), payload.size()),
                    msg->is_retained());
        });
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, name() + ": create client: " + e.what());
    }
    std::shared_ptr<mqtt::async_client> old;
    {
        std::lock_guard lock(mutex_);
        old = std::exchange(client_, client);
    }
    return Status::success();  // old is destroyed here, outside mutex_
}

void MqttClient::stop() noexcept {
    {
        // Waits for a handler that is running; paho may still deliver until the disconnect
        // below completes, and those messages must not reach an owner that is going away.
        std::lock_guard delivery(delivery_mutex_);
        handlers_closed_ = true;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::shared_ptr<mqtt::async_client> client;
    std::optional<MqttWill> will;
    {
        std::lock_guard lock(mutex_);
        client = std::move(client_);
        will = will_;
        ++generation_;
    }
    if (client && connected_) {
        try {
            // A clean goodbye: the will only fires when the connection breaks.
            if (next_will_ && will)
                client
                    ->publish(will->topic, will->payload.data(), will->payload.size(), will->qos,
                              will->retained)
                    ->wait_for(std::chrono::seconds(1));
            else if (!settings_.status_topic.empty())
                client->publish(settings_.status_topic, "offline", 1, true)
                    ->wait_for(std::chrono::seconds(1));
            client->disconnect()->wait_for(std::chrono::seconds(2));
        } catch (const std::exception&) {
            // Going away regardless.
        }
    }
    connected_ = false;
    try {
        client.reset();
    } catch (...) {
    }
}

std::uint64_t MqttClient::subscribe(const std::string& filter, int qos, MessageHandler on_message,
                                    RejectHandler on_reject) noexcept {
    std::uint64_t id = 0;
    std::shared_ptr<mqtt::async_client> client;
    try {
        {
            // Under mutex_ with the connected_ check: a connect that is restoring subscriptions
            // either sees this one or has set connected_ already (see connect_once).
            std::lock_guard lock(mutex_);
            id = next_subscription_id_++;
            subscriptions_.push_back(
                {id, filter, qos, std::move(on_message), std::move(on_reject)});
            if (connected_) client = client_;
        }
        if (client) client->subscribe(filter, qos);
    } catch (const std::exception& e) {
        set_error(name() + ": subscribe " + filter + ": " + e.what());
    }
    return id;
}

void MqttClient::unsubscribe(std::uint64_t id) noexcept {
    try {
        std::string filter;
        std::shared_ptr<mqtt::async_client> client;
        {
            // delivery_mutex_ first: a handler running now finishes before this returns.
            std::lock_guard delivery(delivery_mutex_);
            std::lock_guard lock(mutex_);
            auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                                   [id](const Subscription& s) { return s.id == id; });
            if (it == subscriptions_.end()) return;
            filter = it->filter;
            subscriptions_.erase(it);
            const bool still_used =
                std::any_of(subscriptions_.begin(), subscriptions_.end(),
                            [&](const Subscription& s) { return s.filter == filter; });
            if (!still_used && connected_) client = client_;
        }
        if (client) client->unsubscribe(filter);
    } catch (const std::exception& e) {
        set_error(name() + ": unsubscribe: " + e.what());
    }
}

std::size_t MqttClient::subscription_count() const {
    std::lock_guard lock(mutex_);
    return subscriptions_.size();
}

Status MqttClient::publish(const std::string& topic, const std::string& payload, int qos,
                           bool retained) noexcept {
    auto client = current();
    if (!connected_ || !client)
        return Status::error(ErrorCode::unreachable,
                             name() + ": publish " + topic + ": not connected");
    try {
        auto tok = client->publish(topic, payload.data(), payload.size(), qos, retained);
        if (qos > 0 && !tok->wait_for(settings_.connect_timeout))
            return Status::error(ErrorCode::timeout,
                                 name() + ": publish " + topic + ": no acknowledgement");
        return Status::success();
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::unreachable,
                             name() + ": publish " + topic + ": " + e.what());
    }
}

void MqttClient::deliver(const std::string& topic, std::string_view payload,
                         bool retained) noexcept {
    std::lock_guard delivery(delivery_mutex_);
    if (handlers_closed_) return;
    std::vector<Subscription> matching;
    try {
        std::lock_guard lock(mutex_);
        for (const auto& s : subscriptions_)
            if (mqtt_topic_matches(s.filter, topic)) matching.push_back(s);
    } catch (const std::exception&) {
        return;
    }
    for (const auto& s : matching) {
        try {
            if (payload.size() > settings_.max_payload_bytes) {
                if (s.on_reject)
                    s.on_reject(topic, "payload of " + std::to_string(payload.size()) +
                                           " bytes is over the limit of " +
                                           std::to_string(settings_.max_payload_bytes));
                continue;
            }
            if (s.on_message) s.on_message({topic, payload, retained});
        } catch (const std::exception&) {
            // A handler must not take paho's thread down; handlers report their own errors.
        }
    }
}

namespace {

Result<mqtt::connect_options> connect_options(const MqttSettings& settings) {
    auto opts = mqtt::connect_options_builder()
                    .clean_session(true)
                    .keep_alive_interval(settings.keepalive)
                    .connect_timeout(settings.connect_timeout)
                    .automatic_reconnect(false)
                    .finalize();
    if (!settings.username.empty()) opts.set_user_name(settings.username);
    if (!settings.password_file.empty()) {
        auto secret = read_secret(settings.password_file);
        if (!secret) return secret.error();
        opts.set_password(*secret);
    }
    if (!settings.status_topic.empty())
        opts.set_will(mqtt::will_options(settings.status_topic, std::string("offline"), 1, true));
    if (settings.broker.rfind("ssl://", 0) == 0 || settings.broker.rfind("mqtts://", 0) == 0) {
        mqtt::ssl_options ssl;
        if (!settings.ca_file.empty()) ssl.set_trust_store(settings.ca_file);
        if (!settings.cert_file.empty()) ssl.set_key_store(settings.cert_file);
        if (!settings.key_file.empty()) ssl.set_private_key(settings.key_file);
        ssl.set_enable_server_cert_auth(settings.tls_verify);
        ssl.set_verify(settings.tls_verify);
        opts.set_ssl(std::move(ssl));
    }
    return opts;
}

}  // namespace

// Clean session: the broker forgot our subscriptions; sends them again and waits for each
// acknowledgement. Returns with connected_ set, under the same lock that subscribe() takes, once
// every subscription (also those added meanwhile) is acknowledged and the connection still up.
Status MqttClient::restore_subscriptions(mqtt::async_client& client) {
    std::uint64_t sent_up_to = 0;
    while (true) {
        std::vector<Subscription> batch;
        {
            std::lock_guard lock(mutex_);
            if (lost_ || stopping_)
                return Status::error(ErrorCode::unreachable,
                                     name() + ": connection lost while subscribing");
            for (const auto& s : subscriptions_)
                if (s.id > sent_up_to) batch.push_back(s);
            if (batch.empty()) {
                connected_ = true;
                last_error_.clear();
                return Status::success();
            }
        }
        for (const auto& s : batch) {
            // wait_for throws when the broker refused the subscription.
            if (!client.subscribe(s.filter, s.qos)->wait_for(settings_.connect_timeout))
                return Status::error(ErrorCode::timeout,
                                     name() + ": subscribe " + s.filter + ": no acknowledgement");
            sent_up_to = std::max(sent_up_to, s.id);
        }
    }
}

Status MqttClient::connect_once() {
    if (Status st = fresh_client(); !st.ok()) return st;
    auto client = current();
    if (!client) return Status::error(ErrorCode::unreachable, name() + ": stopped");
    try {
        auto opts = connect_options(settings_);
        if (!opts) return Status::error(opts.error().code, name() + ": " + opts.error().message);
        if (next_will_) {
            MqttWill will = next_will_();
            opts->set_will(mqtt::will_options(will.topic, will.payload.data(), will.payload.size(),
                                              will.qos, will.retained));
            std::lock_guard lock(mutex_);
            will_ = std::move(will);
        }
        auto tok = client->connect(*opts);
        if (!tok->wait_for(settings_.connect_timeout + Duration{1000}))
            return Status::error(ErrorCode::timeout, name() + ": connect: no answer");
        tok->get_connect_response();  // throws when the broker refused
        if (Status st = restore_subscriptions(*client); !st.ok()) {
            client->disconnect();
            return st;
        }
    } catch (const mqtt::exception& e) {
        connected_ = false;
        return Status::error(
            ErrorCode::unreachable,
            name() + ": connect: " + e.get_error_str() +
                (e.get_reason_code() != 0 ? " (" + std::string(e.what()) + ")" : std::string()));
    } catch (const std::exception& e) {
        connected_ = false;
        return Status::error(ErrorCode::unreachable, name() + ": connect: " + e.what());
    }
    ++connects_;
    try {
        if (!settings_.status_topic.empty() && !next_will_)
            client->publish(settings_.status_topic, "online", 1, true);
    } catch (const std::exception& e) {
        set_error(name() + ": publish status: " + e.what());
    }
    return Status::success();
}

void MqttClient::run() {
    Duration backoff{0};
    auto next_attempt = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (lost_) {
            // Dropped: wait a little before the first attempt, so a flapping broker is not
            // hammered.
            lost_ = false;
            backoff = backoff.count() == 0 ? settings_.min_backoff : backoff;
            next_attempt = std::chrono::steady_clock::now() + backoff;
        }
        if (!connected_ && std::chrono::steady_clock::now() >= next_attempt) {
            lock.unlock();
            Status st = connect_once();
            lock.lock();
            if (st.ok()) {
                backoff = Duration{0};
            } else {
                last_error_ = st.message;
                lost_ = false;
                backoff = backoff.count() == 0 ? settings_.min_backoff
                                               : std::min(backoff * 2, settings_.max_backoff);
                next_attempt = std::chrono::steady_clock::now() + backoff;
            }
        }
        auto until =
            connected_ ? std::chrono::steady_clock::now() + std::chrono::seconds(1) : next_attempt;
        wake_.wait_until(lock, until, [this] { return stopping_ || lost_; });
    }
}

Result<std::shared_ptr<MqttClient>> shared_mqtt_client(const MqttSettings& settings) noexcept {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<MqttClient>> clients;
    try {
        std::lock_guard lock(mutex);
        const std::string id = settings.broker + "\n" + settings.client_id;
        if (auto existing = clients[id].lock()) {
            if (existing->settings().share_key() != settings.share_key())
                return Status::error(ErrorCode::invalid,
                                     "mqtt " + settings.broker + ": client id '" +
                                         settings.client_id +
                                         "' is used with other settings by another source; give "
                                         "one of them its own client_id",
                                     false);
            return existing;
        }
        auto client = std::make_shared<MqttClient>(settings);
        client->start();
        clients[id] = client;
        return client;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "mqtt " + settings.broker + ": " + e.what(), false);
    }
}

}  // namespace hashsink::transport
