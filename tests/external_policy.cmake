# The external policy: the pure policy and its layering, the wire format, and the MQTT bridge
# against a real mosquitto with the test playing the external controller.
hashsink_test(external_policy_unit_tests LABEL unit
  SOURCES unit/policies/external_test.cpp unit/external/reply_codec_test.cpp
  LIBS hashsink_loop hashsink_policies hashsink_external nlohmann_json::nlohmann_json)
hashsink_test(external_policy_it_tests LABEL integration
  SOURCES integration/external_policy_it.cpp
  LIBS hashsink_cli nlohmann_json::nlohmann_json)
