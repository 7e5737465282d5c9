# The layering is enforced by the build: a policy compiles against the policies' include view
# (build/layers/hashsink_policies), where the core is and no adapter is.
foreach(probe allowed forbidden)
  set(source ${CMAKE_CURRENT_SOURCE_DIR}/layering/policy_sees_core.cpp)
  if(probe STREQUAL forbidden)
    set(source ${CMAKE_CURRENT_SOURCE_DIR}/layering/policy_includes_adapter.cpp)
  endif()
  add_library(layering_probe_${probe} OBJECT EXCLUDE_FROM_ALL ${source})
  target_include_directories(layering_probe_${probe} PRIVATE ${PROJECT_BINARY_DIR}/layers/hashsink_policies)
endforeach()
hashsink_plain_test("meta:layering: a policy that includes an adapter does not compile"
  COMMAND ${HASHSINK_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/layering/check_layering.py
          ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR})
set_tests_properties("meta:layering: a policy that includes an adapter does not compile"
  PROPERTIES LABELS meta TIMEOUT 120)
