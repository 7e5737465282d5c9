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

# Home Assistant discovery and MQTT control: the configs and the command parser (unit), the
# per-miner commands and energy totals in the loop's decision (unit), and the real binary with
# a Python client in Home Assistant's place against a real mosquitto (e2e).
hashsink_test(home_assistant_unit LABEL unit
  SOURCES unit/app/home_assistant_test.cpp unit/loop/miner_commands_test.cpp
  LIBS hashsink_cli)
hashsink_test(home_assistant_e2e_tests LABEL e2e TIMEOUT 400
  SOURCES e2e/home_assistant_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)

# A fleet of sites: the command, its split and acknowledgement, the central view (unit); three
# daemons and two bridged brokers with the link cut (e2e).
hashsink_test(fleet_unit LABEL unit
  SOURCES unit/app/fleet_command_test.cpp
  LIBS hashsink_cli)
hashsink_test(fleet_e2e_tests LABEL e2e TIMEOUT 400
  SOURCES e2e/fleet_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::HTTPLIB)
