# Policies beyond solar_surplus (whose tests live with the loop's): genset_follow, economics,
# schedule, manual override and their composition, each with properties and closed loops.
hashsink_test(policies_unit_tests LABEL unit
  SOURCES unit/policies/genset_follow_test.cpp unit/policies/economics_test.cpp
          unit/policies/composition_test.cpp unit/policies/solar_hidden_test.cpp
          unit/policies/policy_state_test.cpp
  LIBS hashsink_loop hashsink_policies hashsink_config)
