# SunSpec: model tables, decoder, Modbus client, emulator, source and `probe sunspec`.
hashsink_test(sunspec_unit_tests LABEL unit
  SOURCES unit/sensors/sunspec_decoder_test.cpp
  LIBS hashsink_sensors)
hashsink_test(sunspec_it_tests LABEL integration
  SOURCES integration/sunspec_chain_it.cpp integration/sunspec_source_it.cpp
          integration/sunspec_probe_it.cpp
  LIBS hashsink_sensors nlohmann_json::nlohmann_json)
