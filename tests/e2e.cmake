hashsink_test(daemon_e2e_tests LABEL e2e
  SOURCES e2e/daemon_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)
