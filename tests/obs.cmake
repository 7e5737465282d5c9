# Observability: Prometheus /metrics (text and the route on a real server).
hashsink_test(web_metrics_unit LABEL unit
  SOURCES unit/web/metrics_text_test.cpp
  LIBS hashsink_web)
hashsink_test(web_metrics_it LABEL integration
  SOURCES integration/metrics_it.cpp
  LIBS hashsink_app PkgConfig::HTTPLIB)
