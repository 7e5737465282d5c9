# Zero-export back-off, start hysteresis, and the simulator's battery and generator-trip models.
hashsink_test(zero_export_tests LABEL unit
  SOURCES unit/policies/solar_backoff_test.cpp unit/loop/start_margin_test.cpp
          unit/sim/battery_trip_test.cpp
  LIBS hashsink_sim hashsink_loop hashsink_policies hashsink_config)
