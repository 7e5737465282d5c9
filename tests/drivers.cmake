# Tests over all miner drivers: the shared shape test, detection, scan and emulate commands.
hashsink_test(drivers_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/drivers_shape_it.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/miner_cli_it.cpp
  LIBS hashsink_miners hashsink_web)
