# The core's own types: settings declared once (key table and struct binding).
hashsink_test(core_unit_tests LABEL unit
  SOURCES unit/core/settings_test.cpp unit/core/clock_test.cpp
  LIBS hashsink_core)
