# The tick on fresh data: the pacer alone, and the loop's thread with real pollers.
hashsink_unit_and_it(fresh_tick UNIT unit/loop/tick_pacer_test.cpp IT integration/fresh_tick_it.cpp
  LIBS hashsink_loop hashsink_policies)
