# Smart-plug drivers (Shelly Gen2, Tasmota) and their emulators.
hashsink_test(plugs_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/plug_drivers_it.cpp
  LIBS hashsink_miners)
