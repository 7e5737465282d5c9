# SunSpec: model tables, decoder, Modbus client, emulator, source and `probe sunspec`.
hashsink_test(sunspec_unit_tests LABEL unit
  SOURCES unit/sensors/sunspec_decoder_test.cpp
  LIBS hashsink_sensors)
