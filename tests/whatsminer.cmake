# Whatsminer driver (API v2 and v3) and emulator.
hashsink_unit_and_it(whatsminer UNIT unit/miners/whatsminer_codec_test.cpp
  IT integration/whatsminer_driver_it.cpp LIBS hashsink_miners)
# Detection of Whatsminer and stock Antminer, through the library and the CLI.
hashsink_test(detect_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/detect_whatsminer_it.cpp
  LIBS hashsink_miners)
