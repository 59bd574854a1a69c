# bench_trace.tcl OUT.db ?EVENTS? ?GOROUTINES? ?CHANNELS? — a synthetic
# checked trace for the viewer benchmark (make bench-viewer) and the scale
# test, written with SQL only (a million rows in a few seconds).  It follows
# docs/trace-format.md: main makes CHANNELS channels (default 8; every third
# is closed at the end; most are unnamed, named by their creation site as
# the runtime does), then every goroutine loops send / block on recv /
# unblock / recv / some running events, with a per-goroutine loop length so
# that spans vary in width; messages go through the first 8 channels
# (buffered); goroutines are alive at the end.  EVENTS counts the loop's
# events; the chan_make and chan_close events come on top.  The content is
# not a real program's; the shape and sizes are.
package require sqlite3
lassign $argv out n ng nc
if {$out eq ""} { puts stderr "usage: tclsh bench_trace.tcl OUT.db ?EVENTS? ?GOROUTINES? ?CHANNELS?"; exit 2 }
if {$n eq ""} { set n 1000000 }
if {$ng eq ""} { set ng 200 }
if {$nc eq ""} { set nc 8 }
# integers, so that SQLite binds them as integers (a text bound would never
# stop the recursive counters: any integer compares less than any text)
if {![string is wide -strict $n] || ![string is wide -strict $ng] || ![string is wide -strict $nc]
    || $n < 1000 || $ng < 2 || $nc < 8} {
    puts stderr "bench_trace: EVENTS >= 1000, GOROUTINES >= 2 and CHANNELS >= 8, as integers"
    exit 2
}
set n [expr {wide($n)}]
set ng [expr {wide($ng)}]
set nc [expr {wide($nc)}]
# seqs: 1..nc chan_make by main, then the loop's n-1 events, then the
# closes, then program_end
set ncl [expr {$nc / 3}]
set last [expr {$nc + $n + $ncl}]
file delete -force $out
sqlite3 db $out
db eval {PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000}
db eval {
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE sites(id INTEGER PRIMARY KEY, file TEXT, line INTEGER);
    CREATE TABLE goroutines(id INTEGER PRIMARY KEY, name TEXT, parent INTEGER, site INTEGER,
        create_seq INTEGER, end_seq INTEGER);
    CREATE TABLE objects(id INTEGER PRIMARY KEY, type INTEGER, type_name TEXT, name TEXT,
        site INTEGER, a INTEGER, b INTEGER, create_seq INTEGER);
    CREATE TABLE events(seq INTEGER PRIMARY KEY, t_ns INTEGER, g INTEGER, kind INTEGER,
        obj INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, site INTEGER, s TEXT);
    CREATE TABLE event_kinds(id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO event_kinds VALUES (2,'go_start'),(3,'go_block'),(4,'go_unblock'),
        (10,'chan_make'),(12,'chan_send'),(14,'chan_recv'),(15,'chan_close'),
        (51,'var_write'),(55,'program_end');
    INSERT INTO sites VALUES (1, 'bench/viewer_synthetic.c', 10);
}
db transaction {
    db eval {
        INSERT INTO meta VALUES ('schema_version','1'),('analysis_version','2'),
            ('chanscope_version','0.1.0'),('program','bench-viewer-synthetic'),('args','[]'),
            ('start_wall','2026-01-01T00:00:00Z'),('start_mono_ns','0'),('pid','1'),
            ('end_reason','exit'),('exit_status','0'),('events',$last);
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k
                                WHERE i < CAST($nc AS INTEGER))
        INSERT INTO objects SELECT i, 1, 'chan',
            CASE WHEN i <= 8 THEN 'work' || i
                 ELSE 'chan@viewer_synthetic.c:' || (20 + i % 5) END,
            1, CASE WHEN i <= 8 THEN 4 ELSE i % 3 END, 8, i FROM k;
        INSERT INTO events SELECT id, id * 1000, 1, 10, id, a, b, NULL, NULL, 1, NULL
            FROM objects;
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < CAST($ng AS INTEGER))
        INSERT INTO goroutines SELECT i, CASE i WHEN 1 THEN 'main' ELSE 'worker' END,
            CASE i WHEN 1 THEN NULL ELSE 1 END, 1, i, NULL FROM k;
    }
    # loop event j (seq nc + j) is goroutine g = (j-1) % ng + 1's p-th step
    # of a loop of L steps
    db eval {
        WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < CAST($n AS INTEGER) - 1),
        e AS (SELECT j + $nc AS i, (j - 1) % $ng + 1 AS g, (j - 1) / $ng AS r FROM k),
        f AS (SELECT i, g, r, CASE WHEN r = 0 THEN -1 ELSE (r - 1) % (4 + g % 7) END AS p FROM e)
        INSERT INTO events
        SELECT i, i * 1000 + (i * 7919) % 700, g,
               CASE p WHEN -1 THEN 2 WHEN 0 THEN 12 WHEN 1 THEN 3 WHEN 2 THEN 4
                      WHEN 3 THEN 14 ELSE 51 END,
               CASE WHEN p IN (0, 1, 3) THEN g % 8 + 1 END,
               CASE p WHEN 0 THEN i WHEN 1 THEN 2 WHEN 3 THEN i ELSE NULL END,
               CASE WHEN p IN (0, 3) THEN i % 4 END,
               CASE WHEN p IN (0, 3) THEN i % 1000 END,
               CASE WHEN p IN (0, 3) THEN 3 END, 1, NULL
        FROM f;
        WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < CAST($ncl AS INTEGER))
        INSERT INTO events SELECT $nc + $n - 1 + j, ($nc + $n - 1 + j) * 1000, 1, 15, 3 * j,
            NULL, NULL, NULL, NULL, 1, NULL FROM k;
        INSERT INTO events VALUES ($last, $last * 1000, 0, 55, NULL, 0, NULL, NULL, NULL, NULL, 'exit');
    }
    set maxns [db onecolumn {SELECT t_ns FROM events WHERE seq = $last}]
    db eval {
        CREATE INDEX events_g ON events(g, seq);
        CREATE INDEX events_obj ON events(obj, seq);
        CREATE INDEX events_kind ON events(kind);
        CREATE TABLE spans(g INTEGER, state TEXT, reason TEXT, obj INTEGER, start_seq INTEGER,
            end_seq INTEGER, start_ns INTEGER, end_ns INTEGER, open INTEGER);
        INSERT INTO spans
        SELECT g, CASE kind WHEN 3 THEN 'blocked' ELSE 'running' END,
               CASE kind WHEN 3 THEN 'recv' END, CASE kind WHEN 3 THEN obj END,
               seq, coalesce(nx, $last), t_ns, coalesce(nt, $maxns), nx IS NULL
        FROM (SELECT g, kind, obj, seq, t_ns,
                     lead(seq) OVER (PARTITION BY g ORDER BY seq) AS nx,
                     lead(t_ns) OVER (PARTITION BY g ORDER BY seq) AS nt
              FROM events WHERE kind IN (2, 3, 4) AND g > 0);
        CREATE INDEX spans_g_start ON spans(g, start_seq);
        CREATE INDEX spans_start_end ON spans(start_seq, end_seq);
        CREATE TABLE messages(msg INTEGER, chan INTEGER, send_seq INTEGER, recv_seq INTEGER,
            slot INTEGER, value INTEGER, has_value INTEGER, send_g INTEGER, recv_g INTEGER);
        INSERT INTO messages
        SELECT s.a, s.obj, s.seq,
               (SELECT min(r.seq) FROM events r WHERE r.g = s.g % $ng + 1 AND r.kind = 14
                  AND r.seq > s.seq AND r.seq < s.seq + 4000),
               s.b, s.c, 1, s.g, s.g % $ng + 1
        FROM events s WHERE s.kind = 12;
        CREATE INDEX messages_send ON messages(send_seq);
        CREATE INDEX messages_recv ON messages(recv_seq);
        CREATE INDEX messages_chan ON messages(chan, send_seq);
        CREATE TABLE hb_edges(from_seq INTEGER, to_seq INTEGER, kind TEXT);
        INSERT INTO hb_edges SELECT send_seq, recv_seq, 'msg' FROM messages WHERE recv_seq IS NOT NULL;
        INSERT INTO hb_edges SELECT 1, g * 1 + 0, 'spawn' FROM (SELECT id AS g FROM goroutines WHERE id > 1);
        CREATE INDEX hb_edges_from ON hb_edges(from_seq);
        CREATE INDEX hb_edges_to ON hb_edges(to_seq);
        CREATE TABLE findings(id INTEGER PRIMARY KEY, kind TEXT, severity TEXT, title TEXT,
            explanation TEXT, fix TEXT, json TEXT);
        CREATE TABLE finding_refs(finding INTEGER, seq INTEGER, g INTEGER, obj INTEGER, role TEXT);
        INSERT INTO findings VALUES (1, 'leak', 'warning', 'synthetic: worker 2 alive at exit',
            'Synthetic benchmark trace.', '', '{}');
        INSERT INTO finding_refs VALUES (1, NULL, 2, NULL, 'leaked');
    }
}
puts "$out: [db onecolumn {SELECT count(*) FROM events}] events, [db onecolumn {SELECT count(*) FROM spans}] spans, [db onecolumn {SELECT count(*) FROM messages}] messages, $nc channels, $ng goroutines"
db close
