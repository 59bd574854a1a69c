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
# not a real program's; the shape and sizes are.  Tables, kinds and versions
# are the trace contract's (format/), through the generated trace_format.tcl
# (build/format/ of this source tree, or CHANSCOPE_TRACE_FORMAT).
package require sqlite3
source [expr {[info exists ::env(CHANSCOPE_TRACE_FORMAT)] ? $::env(CHANSCOPE_TRACE_FORMAT)
              : [file join [file dirname [file dirname [file normalize [info script]]]] \
                    build format trace_format.tcl]}]
upvar #0 ::trace::EV EV
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
db eval $::trace::TABLES_SQL
db eval $::trace::EVENT_KINDS_SQL
db eval {INSERT INTO sites VALUES (1, 'bench/viewer_synthetic.c', 10)}
set schema_version $::trace::SCHEMA_VERSION
set analysis_version $::trace::ANALYSIS_VERSION
set chan_type $::trace::OBJ(chan)
set recv_reason $::trace::BLOCK(recv)
set flags [expr {$::trace::EVF(ok) | $::trace::EVF(value)}]
db transaction {
    db eval {
        INSERT INTO meta VALUES ('schema_version',$schema_version),
            ('analysis_version',$analysis_version),
            ('chanscope_version','0.1.0'),('program','bench-viewer-synthetic'),('args','[]'),
            ('start_wall','2026-01-01T00:00:00Z'),('start_mono_ns','0'),('pid','1'),
            ('end_reason','exit'),('exit_status','0'),('events',$last);
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k
                                WHERE i < CAST($nc AS INTEGER))
        INSERT INTO objects SELECT i, $chan_type, 'chan',
            CASE WHEN i <= 8 THEN 'work' || i
                 ELSE 'chan@viewer_synthetic.c:' || (20 + i % 5) END,
            1, CASE WHEN i <= 8 THEN 4 ELSE i % 3 END, 8, i FROM k;
        INSERT INTO events SELECT id, id * 1000, 1, $EV(chan_make), id, a, b, NULL, NULL, 1, NULL
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
               CASE p WHEN -1 THEN $EV(go_start) WHEN 0 THEN $EV(chan_send)
                      WHEN 1 THEN $EV(go_block) WHEN 2 THEN $EV(go_unblock)
                      WHEN 3 THEN $EV(chan_recv) ELSE $EV(var_write) END,
               CASE WHEN p IN (0, 1, 3) THEN g % 8 + 1 END,
               CASE p WHEN 0 THEN i WHEN 1 THEN $recv_reason WHEN 3 THEN i ELSE NULL END,
               CASE WHEN p IN (0, 3) THEN i % 4 END,
               CASE WHEN p IN (0, 3) THEN i % 1000 END,
               CASE WHEN p IN (0, 3) THEN $flags END, 1, NULL
        FROM f;
        WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < CAST($ncl AS INTEGER))
        INSERT INTO events SELECT $nc + $n - 1 + j, ($nc + $n - 1 + j) * 1000, 1, $EV(chan_close), 3 * j,
            NULL, NULL, NULL, NULL, 1, NULL FROM k;
        INSERT INTO events VALUES ($last, $last * 1000, 0, $EV(program_end), NULL, 0, NULL, NULL, NULL,
            NULL, 'exit');
    }
    set maxns [db onecolumn {SELECT t_ns FROM events WHERE seq = $last}]
    set derived {spans messages hb_edges findings finding_refs}
    db eval $::trace::INDEXES_SQL
    db eval [::trace::table_sql {*}$derived]
    db eval {
        INSERT INTO spans
        SELECT g, CASE kind WHEN $EV(go_block) THEN 'blocked' ELSE 'running' END,
               CASE kind WHEN $EV(go_block) THEN 'recv' END,
               CASE kind WHEN $EV(go_block) THEN obj END,
               seq, coalesce(nx, $last), t_ns, coalesce(nt, $maxns), nx IS NULL
        FROM (SELECT g, kind, obj, seq, t_ns,
                     lead(seq) OVER (PARTITION BY g ORDER BY seq) AS nx,
                     lead(t_ns) OVER (PARTITION BY g ORDER BY seq) AS nt
              FROM events WHERE kind IN ($EV(go_start), $EV(go_block), $EV(go_unblock))
                                AND g > 0);
        INSERT INTO messages
        SELECT s.a, s.obj, s.seq,
               (SELECT min(r.seq) FROM events r WHERE r.g = s.g % $ng + 1
                  AND r.kind = $EV(chan_recv) AND r.seq > s.seq AND r.seq < s.seq + 4000),
               s.b, s.c, 1, s.g, s.g % $ng + 1
        FROM events s WHERE s.kind = $EV(chan_send);
        INSERT INTO hb_edges SELECT send_seq, recv_seq, 'msg' FROM messages WHERE recv_seq IS NOT NULL;
        INSERT INTO hb_edges SELECT 1, g * 1 + 0, 'spawn' FROM (SELECT id AS g FROM goroutines WHERE id > 1);
        INSERT INTO findings(id, kind, severity, title, explanation, fix, json)
            VALUES (1, 'leak', 'warning', 'synthetic: worker 2 alive at exit',
                    'Synthetic benchmark trace.', '', '{}');
        INSERT INTO finding_refs(finding, seq, g, obj, role) VALUES (1, NULL, 2, NULL, 'leaked');
    }
    db eval [::trace::index_sql {*}$derived]
}
puts "$out: [db onecolumn {SELECT count(*) FROM events}] events, [db onecolumn {SELECT count(*) FROM spans}] spans, [db onecolumn {SELECT count(*) FROM messages}] messages, $nc channels, $ng goroutines"
db close
