hashsink_test(loop_unit_tests LABEL unit
  SOURCES unit/loop/allocator_test.cpp unit/loop/governor_test.cpp
          unit/policies/solar_surplus_test.cpp unit/loop/core_test.cpp
          unit/loop/control_loop_test.cpp unit/loop/site_limit_test.cpp
  LIBS hashsink_loop hashsink_policies)
