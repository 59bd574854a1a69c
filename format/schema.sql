-- format/schema.sql — the recorded tables of a trace, written once
-- (docs/trace-format.md says what each column means).  format/gen.c embeds
-- it: C gets CS_TRACE_TABLES_SQL and CS_TRACE_INDEXES_SQL
-- (build/format/trace_sql.h), the viewer and its fixtures
-- ::trace::TABLES_SQL and ::trace::INDEXES_SQL (trace_format.tcl).
-- A change here that is not a compatible one (docs/trace-format.md,
-- "Versions") bumps TRACE_VERSION(SCHEMA, ...) in format/trace.def.
-- Sections start at a "-- @name" line; each statement ends with ";".

-- @tables: created with the trace, before main.
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE sites(id INTEGER PRIMARY KEY, file TEXT, line INTEGER);
CREATE TABLE goroutines(id INTEGER PRIMARY KEY, name TEXT, parent INTEGER,
    site INTEGER, create_seq INTEGER, end_seq INTEGER);
CREATE TABLE objects(id INTEGER PRIMARY KEY, type INTEGER, type_name TEXT, name TEXT,
    site INTEGER, a INTEGER, b INTEGER, create_seq INTEGER);
CREATE TABLE events(seq INTEGER PRIMARY KEY, t_ns INTEGER, g INTEGER, kind INTEGER,
    obj INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, site INTEGER, s TEXT);
CREATE TABLE event_kinds(id INTEGER PRIMARY KEY, name TEXT);

-- @indexes: created when the trace is finished (not after a signal).  seq is
-- the rowid, so an index on (g) is ordered by (g, seq) (likewise obj).
CREATE INDEX IF NOT EXISTS events_g_seq ON events(g);
CREATE INDEX IF NOT EXISTS events_obj_seq ON events(obj);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
