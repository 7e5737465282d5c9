hashsink_test(sim_unit_tests LABEL unit
  SOURCES unit/sim/trace_test.cpp unit/sim/simulator_test.cpp
  LIBS hashsink_sim)
hashsink_test(sim_integration_tests LABEL integration
  SOURCES integration/simulate_it.cpp
  LIBS nlohmann_json::nlohmann_json)
