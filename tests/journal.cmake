# The journal: unit tests on temp files, and a kill -9 test against a writer child process.
hashsink_test(journal_unit LABEL unit
  SOURCES unit/journal/journal_test.cpp unit/journal/schema_test.cpp
          unit/journal/on_change_test.cpp
  LIBS hashsink_journal)

# Writes rows continuously and reports each commit; the integration test kills it.
add_executable(journal_writer_child integration/journal_writer_child.cpp)
target_link_libraries(journal_writer_child PRIVATE hashsink_journal)
target_include_directories(journal_writer_child PRIVATE ${PROJECT_SOURCE_DIR})

hashsink_test(journal_it LABEL integration
  SOURCES integration/journal_kill_it.cpp
  LIBS hashsink_journal)
target_compile_definitions(journal_it PRIVATE
  JOURNAL_WRITER_CHILD="$<TARGET_FILE:journal_writer_child>")
add_dependencies(journal_it journal_writer_child)
