# History rollups, resolution planning and keep_raw; comment-preserving config saves.
hashsink_test(journal_rollup_unit LABEL unit
  SOURCES unit/journal/rollup_test.cpp
  LIBS hashsink_journal)

hashsink_test(web_config_splice_unit LABEL unit
  SOURCES unit/web/config_splice_test.cpp
  LIBS hashsink_web)

hashsink_test(web_status_unit LABEL unit
  SOURCES unit/web/status_size_test.cpp
  LIBS hashsink_web)

# The compact status for large fleets: its query, totals over every page, paging edges.
hashsink_test(web_status_compact_unit LABEL unit
  SOURCES unit/web/status_compact_test.cpp
  LIBS hashsink_web)
