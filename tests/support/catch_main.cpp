// The main of every test binary. Whatever the command line says, a run that selects no test
// case, or a test case that makes no assertion, fails: a test must not pass without running.
// (Catch2 v2 takes --warn once per command line, so both warnings are set here.)
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
    Catch::Session session;
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    auto& data = session.configData();
    data.warnings = static_cast<Catch::WarnAbout::What>(data.warnings | Catch::WarnAbout::NoTests |
                                                        Catch::WarnAbout::NoAssertions);
    return session.run();
}
