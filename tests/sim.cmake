hashsink_test(sim_unit_tests LABEL unit
  SOURCES unit/sim/trace_test.cpp unit/sim/simulator_test.cpp unit/sim/days_test.cpp
    unit/sim/physical_oracle_test.cpp unit/sim/shared_site_test.cpp
  LIBS hashsink_sim)
hashsink_test(sim_integration_tests LABEL integration
  SOURCES integration/simulate_it.cpp
  LIBS nlohmann_json::nlohmann_json)
hashsink_test(allocator_equivalence_tests LABEL unit
  SOURCES unit/loop/allocator_equivalence_test.cpp
  LIBS hashsink_loop)
