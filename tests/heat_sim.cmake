hashsink_test(heat_sim_unit_tests LABEL unit
  SOURCES unit/sim/heat_sim_test.cpp
  LIBS hashsink_sim hashsink_config)
