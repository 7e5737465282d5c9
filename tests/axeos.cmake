# AxeOS (ESP-Miner) driver, emulator, HTTP client and `probe miner`.
hashsink_test(axeos_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/axeos_codec_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/miner_json_test.cpp
  LIBS hashsink_miners hashsink_web)
hashsink_test(axeos_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/axeos_driver_it.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/axeos_http_client_it.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/axeos_probe_it.cpp
  LIBS hashsink_miners)
# Thousands of AxeOS miners from one epoll thread (bench/fleet_scale's emulator).
hashsink_test(axeos_fleet_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/axeos_fleet_emulator_it.cpp
  LIBS hashsink_miners)
