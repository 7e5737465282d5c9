# Braiins OS driver and emulator.
hashsink_test(braiins_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/braiins_driver_it.cpp
  LIBS hashsink_miners)
