# The cgminer-style 4028 transport (client, reply repairs, loopback server for emulators).
hashsink_unit_and_it(cgminer UNIT unit/transport/cgminer_json_test.cpp
  IT integration/cgminer_client_it.cpp LIBS hashsink_transport)
