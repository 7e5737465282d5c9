# The cgminer-style 4028 transport (client, reply repairs, loopback server for emulators).
hashsink_test(cgminer_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/transport/cgminer_json_test.cpp
  LIBS hashsink_transport)
hashsink_test(cgminer_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/cgminer_client_it.cpp
  LIBS hashsink_transport)
