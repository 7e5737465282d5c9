# Time zones: the TZif/POSIX-rule type, schedule and comfort windows across daylight saving
# changes, and [site] timezone in the config loader. Zones come from tests/fixtures/tz.
hashsink_test(tz_unit_tests LABEL unit
  SOURCES unit/core/time_zone_test.cpp unit/policies/schedule_time_zone_test.cpp
  LIBS hashsink_policies hashsink_core)
hashsink_test(tz_config_tests LABEL config
  SOURCES unit/config/time_zone_config_test.cpp
  LIBS hashsink_config hashsink_policies)
