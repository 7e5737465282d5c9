# The web page: API tests against an in-process site, and browser end-to-end tests.
hashsink_test(web_api_it LABEL integration
  SOURCES integration/web_api_it.cpp
  LIBS hashsink_cli PkgConfig::HTTPLIB)

# The page in Debian's chromium, driven by playwright-core pinned in tests/e2e/web/package-lock.json
# (`npm ci` into the build directory). node, npm and chromium are packages `make test` installs,
# so the test is always registered and a browser that cannot start fails it.
hashsink_plain_test("e2e:web page in chromium: first run, add a miner, save, mine, restore, screenshots"
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/web/run.sh ${CMAKE_BINARY_DIR}/e2e-web $<TARGET_FILE:hashsink>)
# Both browser tests install playwright-core into build/e2e-web (`npm ci` empties node_modules
# first): one at a time, or one starts while the other's install has removed its module.
set_tests_properties("e2e:web page in chromium: first run, add a miner, save, mine, restore, screenshots"
  PROPERTIES LABELS e2e TIMEOUT 300 RESOURCE_LOCK e2e-web)

# The first run's setup code: right, wrong, the limit on guesses, void after the password is set.
hashsink_test(web_setup_code_unit LABEL unit
  SOURCES unit/web/setup_code_test.cpp
  LIBS hashsink_web)

# Hostile clients: a thousand idle or slow connections, slowloris, oversized heads and bodies;
# the page keeps answering within 2 s and the loop keeps its period.
hashsink_test(web_hostile_it LABEL integration
  SOURCES integration/web_hostile_it.cpp
  LIBS hashsink_cli)

# Malformed HTTP, seeded: thousands of broken, mutated and pipelined requests over TCP; every
# answer well-formed and below 500, the loop never stalls, the page answers after.
hashsink_test(web_fuzz_it LABEL integration
  SOURCES integration/web_fuzz_it.cpp
  LIBS hashsink_cli)
# The page behind a TLS-terminating proxy (socat) in front of the daemon binary.
hashsink_test(tls_proxy_e2e_tests LABEL e2e
  SOURCES e2e/tls_proxy_e2e_it.cpp
  LIBS hashsink_cli PkgConfig::SQLITE PkgConfig::HTTPLIB)

# The compact status over HTTP from the real web server with 2,500 miners on its board: pages,
# totals against the rows, bad parameters answered 400 with their name, the full form beside it.
hashsink_test(web_status_compact_it LABEL integration
  SOURCES integration/web_status_compact_it.cpp
  LIBS hashsink_cli PkgConfig::HTTPLIB)

# The page of a large fleet in chromium: bench/status_render.sh against the real web server with
# 2,000 miners (bench/status_page): the fleet's totals shown, at most 100 rows drawn, and a scroll
# to row 1,000 draws that row. Its timings are printed, not judged (docs/performance.md).
hashsink_plain_test("e2e:web page with 2,000 miners in chromium: fleet totals, only the rows in view drawn, a scroll draws row 1,000"
  COMMAND env MINERS=2000 POLL_SECONDS=3 ${PROJECT_SOURCE_DIR}/bench/status_render.sh ${CMAKE_BINARY_DIR})
set_tests_properties("e2e:web page with 2,000 miners in chromium: fleet totals, only the rows in view drawn, a scroll draws row 1,000"
  PROPERTIES LABELS e2e TIMEOUT 300 RESOURCE_LOCK e2e-web)
