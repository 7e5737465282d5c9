# Avalon and generic cgminer/bmminer drivers and emulators.
hashsink_unit_and_it(cgminer_family UNIT unit/miners/cgminer_family_codec_test.cpp
  IT integration/cgminer_family_it.cpp LIBS hashsink_miners)
