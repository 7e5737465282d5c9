# Stock Antminer (Bitmain CGI) driver and emulator.
hashsink_unit_and_it(antminer UNIT unit/miners/antminer_codec_test.cpp
  IT integration/antminer_driver_it.cpp LIBS hashsink_miners)
# The miner crypto (Digest, Whatsminer) against known vectors.
hashsink_test(miner_crypto_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/crypto_test.cpp
  LIBS hashsink_miners)
