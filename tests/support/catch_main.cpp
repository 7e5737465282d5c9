// The main of every test binary. Whatever the command line says, a run that selects no test
// case, or a test case that makes no assertion, fails: a test must not pass without running.
// (Catch2 v2 takes --warn once per command line, so both warnings are set here.) A run that
// passed removes the temporary folders it made; a failed one keeps them for its logs. A
// sanitizer report in a log there (a daemon the tests ran in the background) fails the run.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <iostream>

#include "tests/support/process.hpp"

int main(int argc, char* argv[]) {
    Catch::Session session;
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    auto& data = session.configData();
    data.warnings = static_cast<Catch::WarnAbout::What>(data.warnings | Catch::WarnAbout::NoTests |
                                                        Catch::WarnAbout::NoAssertions);
    const int failed = session.run();
    if (failed != 0) return failed;
    if (const std::string reports = hashsink::test::sanitizer_reports_in_temp_dirs();
        !reports.empty()) {
        std::cerr << "sanitizer reports in the logs of processes the tests started:\n" << reports;
        return 1;
    }
    hashsink::test::remove_temp_dirs();
    return 0;
}
