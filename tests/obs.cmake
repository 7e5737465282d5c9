# Observability: Prometheus /metrics (text and the route on a real server).
hashsink_test(web_metrics_unit LABEL unit
  SOURCES unit/web/metrics_text_test.cpp
  LIBS hashsink_web)
hashsink_test(web_metrics_it LABEL integration
  SOURCES integration/metrics_it.cpp
  LIBS hashsink_cli PkgConfig::HTTPLIB)

# [publish]: the status over MQTT (messages, and a real site against a real mosquitto).
hashsink_test(publish_unit LABEL unit
  SOURCES unit/app/status_publisher_test.cpp
  LIBS hashsink_cli)
hashsink_test(publish_it LABEL integration
  SOURCES integration/publish_it.cpp
  LIBS hashsink_cli)
