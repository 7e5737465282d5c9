#include "adapters/miners/detect.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "adapters/transport/http_client.hpp"

namespace hashsink::miners {
namespace {

struct Hit {
    std::string family, driver, description, why;
    bool answered = false;

    void found(std::string family_name, std::string driver_name, std::string what) {
        family = std::move(family_name);
        driver = std::move(driver_name);
        description = std::move(what);
    }
};

// A text a firmware names itself by, the family it means and that family's driver.
struct Marker {
    const char* text;
    const char* family;
    const char* driver;
};

// The first of `markers` whose text occurs in `text`, or null.
template <std::size_t N>
const Marker* first_marker(const std::string& text, const Marker (&markers)[N]) {
    for (const auto& m : markers)
        if (text.find(m.text) != std::string::npos) return &m;
    return nullptr;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

// The realm of the WWW-Authenticate challenge on "/", or empty. HttpClient does not expose
// response headers, so this one request goes through httplib directly.
std::string digest_realm(const DetectTarget& t) {
    try {
        httplib::Client client(t.host, t.http_port);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.timeout).count();
        client.set_connection_timeout(std::chrono::milliseconds(ms));
        client.set_read_timeout(std::chrono::milliseconds(ms));
        auto res = client.Get("/");
        if (!res || res->status != 401) return {};
        const std::string challenge = res->get_header_value("WWW-Authenticate");
        const auto at = challenge.find("realm=\"");
        if (at == std::string::npos) return {};
        const auto start = at + 7, end = challenge.find('"', start);
        if (end == std::string::npos) return {};
        return challenge.substr(start, std::min<std::size_t>(end - start, 128));
    } catch (...) {
        return {};
    }
}

Hit probe_http(const DetectTarget& t) {
    Hit h;
    transport::HttpClient client("http://" + t.host + ":" + std::to_string(t.http_port),
                                 {.timeout = t.timeout, .max_body_bytes = 256 * 1024,
                                  .keep_alive = false});
    auto info = client.get("/api/system/info");
    if (info) {
        h.answered = true;
        auto j = nlohmann::json::parse(info->body, nullptr, false);
        if (j.is_object() && j.contains("ASICModel")) {
            h.found("AxeOS", "axeos",
                    transport::json_string(j, "ASICModel") + " " +
                        transport::json_string(j, "version"));
            return h;
        }
        h.why = "web: GET /api/system/info: no ASICModel field; ";
    } else if (info.error().code == ErrorCode::timeout ||
               info.error().code == ErrorCode::unreachable) {
        h.why = "web: " + info.error().message;
        return h;   // nothing listening: no point asking for the page
    }
    auto page = client.get("/");
    if (!page) {
        if (client.last_status() != 0) h.answered = true;
        if (client.last_status() == 401) {
            // Stock Antminer answers its page with a Digest challenge, realm "antMiner ...".
            const std::string realm = digest_realm(t);
            if (realm.find("antMiner") != std::string::npos) {
                h.found("Antminer", "antminer", "stock Antminer web (realm \"" + realm + "\")");
                return h;
            }
            h.why += "web: 401 (digest-protected page" +
                     (realm.empty() ? std::string() : ", realm \"" + realm + "\"") + ")";
        } else {
            h.why += "web: " + page.error().message;
        }
        return h;
    }
    h.answered = true;
    static const Marker kMarkers[] = {
        {"Braiins OS", "Braiins OS", "braiins"}, {"AnthillOS", "Vnish", "vnish"},
        {"Luxor Firmware", "LuxOS", "luxos"},    {"AxeOS", "AxeOS", "axeos"},
        {"Avalon", "Avalon", "avalon"},
    };
    if (const Marker* m = first_marker(page->body, kMarkers)) {
        h.found(m->family, m->driver, std::string(m->family) + " web page");
        return h;
    }
    h.why += "web: page answered but names no known firmware";
    return h;
}

Hit probe_api(const DetectTarget& t) {
    Hit h;
    transport::CgminerClient client(t.host, t.api_port,
                                    {.timeout = t.timeout, .max_reply_bytes = 256 * 1024});
    auto r = client.request("version");
    if (!r) {
        h.why = "4028: " + r.error().message;
        return h;
    }
    h.answered = true;
    const std::string text = upper(r->dump());
    const auto& v = transport::first_of(*r, "VERSION");
    const std::string type = transport::json_string(v, "Type");
    const std::string desc = transport::reply_status(*r).description;
    // Order matters: firmware names before the miner make they run on.
    static const Marker kMarkers[] = {
        {"LUXMINER", "LuxOS", "luxos"},        {"BOSMINER", "Braiins OS", "braiins"},
        {"BOSER", "Braiins OS", "braiins"},    {"VNISH", "Vnish", "vnish"},
        {"BTMINER", "Whatsminer", "whatsminer"}, {"BITMICRO", "Whatsminer", "whatsminer"},
        {"WHATSMINER", "Whatsminer", "whatsminer"},
        {"AVALON", "Avalon", "avalon"},        {"ANTMINER", "Antminer", "antminer"},
        {"BMMINER", "Antminer", "antminer"},   {"CGMINER", "cgminer", "cgminer"},
    };
    // Whatsminer answers `version` with "invalid cmd" (description "whatsminer v1.1"); its
    // own get_version names the firmware and API generation.
    auto whatsminer = [&]() -> std::optional<std::string> {
        auto gv = client.request("get_version");
        if (!gv) return std::nullopt;
        auto v = whatsminer::decode_v2_version(*gv);
        if (!v) return std::nullopt;
        return "Whatsminer " + v->firmware + " (API " + v->api + ")";
    };
    if (const Marker* m = first_marker(text, kMarkers)) {
        h.found(m->family, m->driver, !type.empty() ? type + " (" + desc + ")" : desc);
        if (h.driver == "whatsminer") h.description = whatsminer().value_or(h.description);
        return h;
    }
    if (auto w = whatsminer()) {
        h.found("Whatsminer", "whatsminer", *w);
        return h;
    }
    h.why = "4028: version reply names no known firmware";
    return h;
}

}  // namespace

Detection detect_miner(const DetectTarget& target) {
    Detection d;
    try {
        auto web = std::async(std::launch::async, [&] { return probe_http(target); });
        auto api = std::async(std::launch::async, [&] { return probe_api(target); });
        Hit w = web.get(), a = api.get();
        d.http_answered = w.answered;
        d.api_answered = a.answered;
        // The web page names the firmware; the 4028 reply often only the make (Vnish and
        // Braiins answer 4028 as well).
        for (const Hit* h : {&w, &a}) {
            if (h->driver.empty()) continue;
            d.family = h->family;
            d.description = h->description;
            if (find_driver_type(h->driver) != nullptr) {
                d.driver = h->driver;
                return d;
            }
        }
        if (!d.family.empty()) {
            d.why = d.family + " recognised, but no driver for it is built in";
            return d;
        }
        d.why = w.why + "; " + a.why;
    } catch (const std::exception& e) {
        d.why = std::string("detection failed: ") + e.what();
    }
    return d;
}

std::string config_snippet(const Detection& d, const DetectTarget& t) {
    if (d.driver.empty()) return {};
    std::string id = d.driver + "-" + t.host;
    std::replace(id.begin(), id.end(), '.', '-');
    std::string out = "[[miners]]\nid = \"" + id + "\"\ndriver = \"" + d.driver + "\"\n";
    const auto* type = find_driver_type(d.driver);
    bool has_url = false, has_host = false;
    if (type) {
        for (const auto& k : type->keys) {
            has_url |= k.name == "url";
            has_host |= k.name == "host";
        }
    }
    if (has_host) {
        out += "host = \"" + t.host + "\"\n";
        if (t.api_port != 4028) out += "port = " + std::to_string(t.api_port) + "\n";
    } else if (has_url) {
        out += "url = \"http://" + t.host +
               (t.http_port != 80 ? ":" + std::to_string(t.http_port) : "") + "\"\n";
    }
    if (type) {
        for (const auto& k : type->keys)
            if (k.secret) out += "# " + k.name + " = \"/etc/hashsink/" + id + "." + k.name.substr(0, k.name.size() - 5) + "\"\n";
    }
    return out;
}

}  // namespace hashsink::miners
