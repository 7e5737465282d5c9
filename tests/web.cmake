# The web page: API tests against an in-process site, and browser end-to-end tests.
hashsink_test(web_api_it LABEL integration
  SOURCES integration/web_api_it.cpp
  LIBS hashsink_app PkgConfig::HTTPLIB)
