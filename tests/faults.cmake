hashsink_test(faults_e2e_tests LABEL e2e
  SOURCES e2e/faults_e2e_it.cpp
  LIBS hashsink_app PkgConfig::SQLITE PkgConfig::HTTPLIB)
