# [modbus_server] through the daemon binary: mbpoll and pymodbus as independent clients, a limit
# that lowers the planned draw, a heartbeat that lapses, bad writes, hostile clients. The
# register map's pure part: tests/unit/app/modbus_registers_test.cpp.
hashsink_test(modbus_server_e2e_tests LABEL e2e
  SOURCES e2e/modbus_server_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
hashsink_test(modbus_server_unit_tests LABEL unit
  SOURCES unit/app/modbus_registers_test.cpp
  LIBS hashsink_app)
