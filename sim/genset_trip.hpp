// Generator protection for `hashsink simulate`: a sustained overload, or a frequency below the
// trip threshold, trips the generator; it gives nothing until it has restarted. Set by [site]
// genset_* keys; see docs/simulator.md.
#pragma once

namespace hashsink::sim {

struct GensetTripSpec {
    bool enabled = false;           // settings_from_config turns it on
    double trip_after_s = 10;       // continuous overload longer than this trips; 0: never
    double trip_frequency_hz = 0;   // a frequency below this trips at once; 0: 95 % of nominal
    double restart_s = 120;         // output 0 for this long after a trip
};

// The isochronous governor the site model assumes: the frequency holds until the engine is
// overloaded, then sags 10 % per 100 % overload.
double genset_frequency_hz(double nominal_hz, double load_w, double capacity_w);

class GensetTripModel {
public:
    explicit GensetTripModel(const GensetTripSpec& spec) : spec_(spec) {}

    // Whether the generator runs at time t (false while it restarts after a trip).
    bool running(double t_s) const { return t_s >= down_until_s_; }
    // One tick of dt seconds with this load and capacity (nominal frequency nominal_hz); may
    // trip the generator.
    void observe(double t_s, double dt_s, double load_w, double capacity_w, double nominal_hz);
    int trips() const { return trips_; }

private:
    GensetTripSpec spec_;
    double overload_s_ = 0;
    double down_until_s_ = -1e300;
    int trips_ = 0;
};

}  // namespace hashsink::sim
