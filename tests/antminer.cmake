# Stock Antminer (Bitmain CGI) driver and emulator.
hashsink_test(antminer_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/antminer_codec_test.cpp
  LIBS hashsink_miners)
hashsink_test(antminer_it LABEL integration
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/antminer_driver_it.cpp
  LIBS hashsink_miners)
# The miner crypto (Digest, Whatsminer) against known vectors.
hashsink_test(miner_crypto_unit LABEL unit
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/miners/crypto_test.cpp
  LIBS hashsink_miners)
