#include "sim/days.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <numbers>

namespace hashsink::sim {
namespace {

constexpr double kDay = 86400;

// Seconds after UTC midnight at which a day starts: solar midnight, from the circular mean of
// the time of day weighted by PV power; 0 without a PV column.
double solar_midnight_s(const Trace& trace) {
    Column pv = Column::pv_ac_w;
    if (!trace.has(pv)) pv = trace.has(Column::pv_dc_w) ? Column::pv_dc_w : Column::ghi_w_m2;
    if (!trace.has(pv)) return 0;
    const auto& values = trace.columns[static_cast<std::size_t>(pv)];
    double x = 0, y = 0;
    for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
        const double w = std::max(0.0, values[i]);
        const double angle = 2 * std::numbers::pi * std::fmod(trace.time_s[i], kDay) / kDay;
        x += w * std::cos(angle);
        y += w * std::sin(angle);
    }
    if (x == 0 && y == 0) return 0;
    const double noon = std::fmod(std::atan2(y, x) / (2 * std::numbers::pi) * kDay + kDay, kDay);
    return std::fmod(noon + kDay / 2, kDay);
}

}  // namespace

DaySplit::DaySplit(const Trace& trace) : boundary_s_(solar_midnight_s(trace)) {
    if (trace.time_s.empty()) return;
    const double start = trace.start_s();
    first_s_ = std::floor((start - boundary_s_) / kDay) * kDay + boundary_s_;
    count_ = static_cast<std::size_t>(std::floor((trace.end_s() - first_s_) / kDay)) + 1;
}

std::size_t DaySplit::index(double t_s) const {
    if (count_ == 0) return 0;
    const double d = std::floor((t_s - first_s_) / kDay);
    return static_cast<std::size_t>(std::clamp(d, 0.0, static_cast<double>(count_ - 1)));
}

std::string DaySplit::date(std::size_t day) const {
    const auto middle =
        static_cast<std::time_t>(first_s_ + (static_cast<double>(day) + 0.5) * kDay);
    std::tm tm{};
    gmtime_r(&middle, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace hashsink::sim
