# Vnish driver and emulator.
hashsink_test(vnish_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/vnish_driver_it.cpp
  LIBS hashsink_miners)
