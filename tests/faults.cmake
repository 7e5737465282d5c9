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
# Modbus sensor faults through the daemon binary: exceptions, wrong unit, half-open, slow, torn
# reads, sentinels and NaN.
hashsink_test(modbus_faults_e2e_tests LABEL e2e
  SOURCES e2e/modbus_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# kill -9 of the daemon binary at random moments under load, then a restart, many times over.
hashsink_test(restart_faults_e2e_tests LABEL e2e TIMEOUT 600
  SOURCES e2e/restart_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# An MQTT broker that accepts and then stalls (frozen mosquitto, a listener without CONNACK).
hashsink_test(mqtt_stall_faults_e2e_tests LABEL e2e
  SOURCES e2e/mqtt_stall_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# Miner faults through the binary: 5xx, truncated JSON, a hung socket, an ignored write, a
# reboot mid-command, two miners at one address.
hashsink_test(miner_faults_e2e_tests LABEL e2e
  SOURCES e2e/miner_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# The wall clock stepping under the daemon binary (Debian's libfaketime, only the wall clock).
hashsink_test(clock_faults_e2e_tests LABEL e2e
  SOURCES e2e/clock_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# Hostile web clients against the daemon binary: a thousand connections idle or dripping,
# slowloris, oversized heads and bodies, malformed requests.
hashsink_test(web_faults_e2e_tests LABEL e2e
  SOURCES e2e/web_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# Journal faults through the binary: the disk fills while it journals (its file size limit
# lowered under it) and writing resumes in the same process; a state folder that takes no file.
hashsink_test(journal_faults_e2e_tests LABEL e2e
  SOURCES e2e/journal_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
# Garbage on a subscribed MQTT topic through the binary: NaN, text, binary, bad JSON, out of
# range and a 1 MB payload, retained before the start and live; [publish] and the external
# policy over a frozen broker.
hashsink_test(mqtt_garbage_faults_e2e_tests LABEL e2e TIMEOUT 240
  SOURCES e2e/mqtt_garbage_faults_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
