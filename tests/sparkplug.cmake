# Sparkplug B: the metrics, payloads and commands (unit), and the edge node on a real site
# against a real mosquitto with a Python host application decoding with its own generated code
# (integration; the primary host is away for 60 s of it).
hashsink_test(sparkplug_unit LABEL unit
  SOURCES unit/app/sparkplug_metrics_test.cpp
  LIBS hashsink_cli)
hashsink_test(sparkplug_it LABEL integration TIMEOUT 120
  SOURCES integration/sparkplug_it.cpp
  LIBS hashsink_cli)
target_compile_definitions(sparkplug_it PRIVATE
  HASHSINK_SPARKPLUG_PY="${PROJECT_BINARY_DIR}/generated/sparkplug")
