# Heat as a second product: the heat_demand policy (thermostat per zone), floors in the
# allocator and governor, the heat credit in economics, the journal's value columns, a
# temperature over a real broker, and every example config checked.
hashsink_test(heat_unit_tests LABEL unit
  SOURCES unit/policies/heat_demand_test.cpp unit/loop/allocator_floor_test.cpp
          unit/journal/heat_value_test.cpp unit/web/heat_status_test.cpp
  LIBS hashsink_loop hashsink_policies hashsink_config hashsink_journal hashsink_web)
hashsink_test(heat_it_tests LABEL integration
  SOURCES integration/heat_mqtt_it.cpp integration/examples_check_it.cpp
  LIBS hashsink_sensors hashsink_loop hashsink_policies hashsink_config)
