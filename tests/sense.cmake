# Sensing: Modbus profiles (TCP and RTU), MQTT sources, derived signals, `probe modbus`.
hashsink_test(sense_unit_tests LABEL unit
  SOURCES unit/sensors/modbus_profile_test.cpp unit/sensors/value_rejection_test.cpp
          unit/sensors/mqtt_payload_test.cpp unit/sensors/derived_signals_test.cpp
  LIBS hashsink_sensors hashsink_loop)
hashsink_test(sense_modbus_it_tests LABEL integration
  SOURCES integration/modbus_profile_it.cpp integration/modbus_rtu_it.cpp
  LIBS hashsink_sensors nlohmann_json::nlohmann_json)
# Modbus in a process with more than 1024 files open (libmodbus waits with select()).
hashsink_test(sense_modbus_files_it LABEL integration
  SOURCES integration/modbus_many_files_it.cpp
  LIBS hashsink_sensors)
hashsink_test(sense_mqtt_it_tests LABEL integration
  SOURCES integration/mqtt_sources_it.cpp
  LIBS hashsink_sensors)
