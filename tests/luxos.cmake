# LuxOS driver and emulator.
hashsink_test(luxos_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/luxos_driver_it.cpp
  LIBS hashsink_miners)
