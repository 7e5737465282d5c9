# Avalon and generic cgminer/bmminer drivers and emulators.
hashsink_test(cgminer_family_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/cgminer_family_codec_test.cpp
  LIBS hashsink_miners)
hashsink_test(cgminer_family_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/cgminer_family_it.cpp
  LIBS hashsink_miners)
