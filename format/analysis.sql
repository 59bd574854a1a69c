-- format/analysis.sql — the derived tables `chanscope check` writes into a
-- trace (docs/trace-format.md, "Derived tables"), written once.  format/gen.c
-- embeds it: C gets CS_ANALYSIS_TABLES_SQL, CS_ANALYSIS_INDEXES_SQL and
-- CS_ANALYSIS_DROP_SQL (every table below), the viewer's fixtures
-- ::trace::ANALYSIS_TABLES_SQL and ::trace::ANALYSIS_INDEXES_SQL.
-- A change here bumps TRACE_VERSION(ANALYSIS, ...) in format/trace.def.

-- @tables
CREATE TABLE spans(g INTEGER, state TEXT, reason TEXT, obj INTEGER,
    start_seq INTEGER, end_seq INTEGER, start_ns INTEGER, end_ns INTEGER, open INTEGER);
CREATE TABLE messages(msg INTEGER, chan INTEGER, send_seq INTEGER, recv_seq INTEGER,
    slot INTEGER, value INTEGER, has_value INTEGER, send_g INTEGER, recv_g INTEGER);
CREATE TABLE hb_edges(from_seq INTEGER, to_seq INTEGER, kind TEXT);
CREATE TABLE findings(id INTEGER PRIMARY KEY, kind TEXT, severity TEXT, title TEXT,
    explanation TEXT, fix TEXT, json TEXT, class TEXT, culprit_site INTEGER,
    culprit_g INTEGER, fix_line TEXT);
CREATE TABLE finding_refs(finding INTEGER, seq INTEGER, g INTEGER, obj INTEGER,
    role TEXT, site INTEGER);
CREATE TABLE finding_waits(finding INTEGER, g INTEGER, state TEXT, obj INTEGER,
    reason TEXT, site INTEGER, seq INTEGER);
CREATE TABLE finding_holds(finding INTEGER, g INTEGER, obj INTEGER, mode TEXT,
    seq INTEGER, site INTEGER);
CREATE TABLE finding_wakers(finding INTEGER, g INTEGER, waker INTEGER);
CREATE TABLE lock_spans(g INTEGER, obj INTEGER, mode TEXT, start_seq INTEGER,
    end_seq INTEGER, start_ns INTEGER, end_ns INTEGER, site INTEGER);
CREATE TABLE finding_kinds(name TEXT, label TEXT, severity TEXT, description TEXT);

-- @indexes
CREATE INDEX spans_g_start ON spans(g, start_seq);
CREATE INDEX spans_start_end ON spans(start_seq, end_seq);
CREATE INDEX messages_send ON messages(send_seq);
CREATE INDEX messages_recv ON messages(recv_seq);
CREATE INDEX messages_chan ON messages(chan, send_seq);
CREATE INDEX hb_edges_from ON hb_edges(from_seq);
CREATE INDEX hb_edges_to ON hb_edges(to_seq);
CREATE INDEX finding_refs_finding ON finding_refs(finding);
CREATE INDEX finding_refs_seq ON finding_refs(seq);
CREATE INDEX finding_waits_finding ON finding_waits(finding);
CREATE INDEX finding_holds_finding ON finding_holds(finding);
CREATE INDEX finding_wakers_finding ON finding_wakers(finding);
CREATE INDEX lock_spans_g_start ON lock_spans(g, start_seq);
