hashsink_test(faults_e2e_tests LABEL e2e
  SOURCES e2e/faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# Recovery after faults: the source poller's backoff; an MQTT source after a broker restart.
hashsink_test(faults_unit_tests LABEL unit
  SOURCES unit/loop/source_poller_backoff_test.cpp
  LIBS hashsink_loop)
hashsink_test(faults_it_tests LABEL integration
  SOURCES integration/source_recovery_it.cpp
  LIBS hashsink_sensors hashsink_loop)
# The wall clock stepping under the daemon binary (Debian's libfaketime, only the wall clock).
hashsink_test(clock_faults_e2e_tests LABEL e2e
  SOURCES e2e/clock_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
