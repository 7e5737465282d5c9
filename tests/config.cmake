# Config loading, `hashsink check`, the systemd unit and sd_notify.
hashsink_test(config_unit_tests LABEL unit
  SOURCES unit/config/loader_test.cpp
  LIBS hashsink_config)
hashsink_test(config_cases_tests LABEL config
  SOURCES integration/check_cases_it.cpp)
hashsink_test(systemd_tests LABEL integration
  SOURCES integration/systemd_unit_it.cpp integration/systemd_notify_it.cpp
  LIBS hashsink_cli)
hashsink_test(packaging_tests LABEL integration
  SOURCES integration/packaging_it.cpp)
