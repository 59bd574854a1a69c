# model.tcl — every SQL query the viewer makes against a trace.
#
# The trace is opened read-only and never written.  Queries are shaped for
# the visible window: a lane's spans are read with two seeks on the
# (g, start_seq) index, never by scanning the lane from its start.  When a
# derived table lacks an index the viewer needs (messages, hb_edges), a
# copy with that index is built once in the connection's TEMP schema (in
# memory; the file is untouched).
package require sqlite3

namespace eval model {
    variable path ""
    variable meta
    array set meta {}
    variable maxseq 0
    variable maxns 0
    variable home ""           ;# source tree / share dir, for source lookup
    variable msgtab messages   ;# table (main or temp copy) used for messages
    variable edgetab hb_edges  ;# table used for happens-before edges
    variable MEMO_MAX 400
    variable memo
    array set memo {}
    variable chanlabels        ;# shown channel name -> label (chan_label)
    array set chanlabels {}
    # The numbers and words of the trace contract (format/trace.def, through
    # the generated trace_format.tcl that main.tcl sources): versions read,
    # go_block reasons, misuse messages, objects.type -> the analyzer's word.
    variable SCHEMA $::trace::SCHEMA_VERSION
    variable ANALYSIS $::trace::ANALYSIS_VERSION
    variable reasons $::trace::reasons
    variable misuses $::trace::misuses
    variable typewords $::trace::typewords
}

# The event kind numbers of NAMES (event_kinds names: chan_send ...), for
# SQL built as a string: [model::kinds chan_send chan_recv] -> "12,14".
proc model::kinds {args} {
    set out {}
    foreach n $args { lappend out $::trace::EV($n) }
    return [join $out ,]
}

# Window queries are memoized: going back to a view (fit, zoom back out)
# costs no SQL.  The trace is read-only, so entries never go stale; the memo
# is emptied when a trace is opened and when it grows past MEMO_MAX entries.
proc model::memo {key script} {
    variable memo
    if {[info exists memo($key)]} { return $memo($key) }
    if {[array size memo] >= $model::MEMO_MAX} { array unset memo }
    return [set memo($key) [uplevel 1 $script]]
}

# Raise a bad-input error: main.tcl prints the message on one line, exit 2.
proc model::bad {msg} {
    return -code error -errorcode {CHANSCOPE BADINPUT} $msg
}

# Open and validate PATH.  On any problem raise model::bad with a message
# that says what is wrong and what to do.
proc model::open_trace {p} {
    variable path $p
    variable meta; variable maxseq; variable maxns; variable SCHEMA; variable ANALYSIS
    catch {::model::db close}
    array unset meta
    variable memo
    array unset memo
    variable chanlabels
    array unset chanlabels
    if {![file exists $p]} { bad "$p: no such file" }
    if {![file isfile $p] || ![file readable $p]} { bad "$p: not a readable file" }
    set f [::open $p rb]
    set magic [read $f 16]
    ::close $f
    if {$magic ne "SQLite format 3\0"} {
        bad "$p: not a chanscope trace (not an SQLite database)"
    }
    if {[catch {sqlite3 ::model::db $p -readonly 1} err]} {
        bad "$p: cannot open: $err"
    }
    if {[catch {db eval {SELECT key, value FROM meta} { set meta($key) $value }}]} {
        db close
        bad "$p: not a chanscope trace (no meta table)"
    }
    if {![info exists meta(schema_version)]} {
        db close
        bad "$p: not a chanscope trace (meta has no schema_version)"
    }
    if {[string is integer -strict $meta(schema_version)] && $meta(schema_version) >= 1
        && $meta(schema_version) < $SCHEMA} {
        db close
        bad "$p: [format $::trace::OLD_SCHEMA_FMT $meta(schema_version) $SCHEMA]"
    }
    if {$meta(schema_version) ne $SCHEMA} {
        db close
        bad "$p: unknown trace schema version $meta(schema_version) (this viewer reads version $SCHEMA)"
    }
    if {![info exists meta(analysis_version)]} {
        db close
        bad "$p: trace not checked yet: run 'chanscope check $p' first (or open it with 'chanscope view', which does)"
    }
    if {$meta(analysis_version) ne $ANALYSIS} {
        db close
        bad "$p: analysis version $meta(analysis_version) is not $ANALYSIS: run 'chanscope check $p' again"
    }
    foreach t {spans messages hb_edges findings finding_refs} {
        if {![db exists {SELECT 1 FROM sqlite_master WHERE type='table' AND name=$t}]} {
            db close
            bad "$p: derived table '$t' missing: run 'chanscope check $p' again"
        }
    }
    set maxseq [db onecolumn {SELECT max(seq) FROM events}]
    if {$maxseq eq ""} { set maxseq 0 }
    set maxns [db onecolumn {SELECT max(t_ns) FROM events}]
    if {$maxns eq ""} { set maxns 0 }
    db cache size 200
    prepare_indexes
    return $p
}

proc model::close_trace {} { catch {::model::db close} }

# True when TABLE has an index whose first column is COL.
proc model::has_index {table col} {
    foreach idx [db eval "SELECT name FROM pragma_index_list('$table')"] {
        set first [db onecolumn "SELECT name FROM pragma_index_info('$idx') WHERE seqno=0"]
        if {$first eq $col} { return 1 }
    }
    return 0
}

# Make windowed queries on messages and hb_edges index-backed.
proc model::prepare_indexes {} {
    variable msgtab; variable edgetab
    set msgtab messages
    if {![has_index messages send_seq] || ![has_index messages recv_seq]} {
        db eval {
            DROP TABLE IF EXISTS temp.v_messages;
            CREATE TEMP TABLE v_messages AS SELECT * FROM main.messages;
            CREATE INDEX temp.v_messages_s ON v_messages(send_seq);
            CREATE INDEX temp.v_messages_r ON v_messages(recv_seq);
            CREATE INDEX temp.v_messages_c ON v_messages(chan, send_seq);
        }
        set msgtab temp.v_messages
    }
    set edgetab hb_edges
    if {![has_index hb_edges from_seq] || ![has_index hb_edges to_seq]} {
        db eval {
            DROP TABLE IF EXISTS temp.v_edges;
            CREATE TEMP TABLE v_edges AS SELECT * FROM main.hb_edges;
            CREATE INDEX temp.v_edges_f ON v_edges(from_seq);
            CREATE INDEX temp.v_edges_t ON v_edges(to_seq);
        }
        set edgetab temp.v_edges
    }
}

proc model::metaval {key {default ""}} {
    variable meta
    if {![info exists ::trace::META($key)]} {
        error "model::metaval: $key is not a meta key of format/trace.def"
    }
    if {[info exists meta($key)]} { return $meta($key) }
    return $default
}

# Goroutines in lane order: depth-first from main, children by creation.
# One flat list of 8 fields per goroutine:
#   id name parent site create_seq end_seq depth children
# (children: how many it started).  Linear in the number of goroutines: a
# dict per goroutine and a stack copied on every pop made 100 000 children
# of main take over a minute.
proc model::goroutines {} {
    set rows [db eval {SELECT id, name, parent, site, create_seq, end_seq FROM goroutines
                       ORDER BY create_seq, id}]
    array set at {}
    array set kids {}
    set k 0
    foreach {id name parent site cs es} $rows {
        set at($id) $k
        if {$parent eq "" || ![info exists at($parent)]} { set parent root }
        lappend kids($parent) $id
        incr k 6
    }
    # the stack is a list used up to index $top: popping only moves $top
    set out {}
    set stack {}
    set top 0
    if {[info exists kids(root)]} {
        foreach id [lreverse $kids(root)] { lappend stack [list $id 0]; incr top }
    }
    while {$top > 0} {
        lassign [lindex $stack [incr top -1]] id depth
        set k $at($id)
        set nk [expr {[info exists kids($id)] ? [llength $kids($id)] : 0}]
        lappend out {*}[lrange $rows $k [expr {$k + 5}]] $depth $nk
        if {$nk} {
            set cd [expr {$depth + 1}]
            foreach c [lreverse $kids($id)] {
                if {$top < [llength $stack]} {
                    lset stack $top [list $c $cd]
                } else {
                    lappend stack [list $c $cd]
                }
                incr top
            }
        }
    }
    return $out
}

# Channels, in creation order, as one flat list of 7 fields per channel:
#   id name shown cap elem site create_seq
# (shown: the name, or "chan#ID" for none; cap 0 when unbuffered).  One
# query whatever the number of channels, and no per-channel work in Tcl:
# the closes are read once (channel_closes), labels are made on demand
# (chan_label).  Asking for each channel's closes by "obj=? AND kind=chan_close"
# made this quadratic (SQLite answers it from the kind index, reading every
# close of the trace for every channel): 100 000 channels took minutes.
proc model::channels {} {
    return [db eval {SELECT id, name, coalesce(name, type_name || '#' || id),
                            coalesce(a, 0), b, site, create_seq
                     FROM objects WHERE type=$::trace::OBJ(chan) ORDER BY create_seq, id}]
}
# Every channel's close seqs, as a dict chan -> list of seqs (channels never
# closed are absent).
proc model::channel_closes {} {
    set out [dict create]
    db eval {SELECT obj, seq FROM events WHERE kind=$::trace::EV(chan_close) ORDER BY seq} {
        dict lappend out $obj $seq
    }
    return $out
}
# " #ID" for a channel that shares its name with another ("ctx.Done #14":
# every context has a ctx.Done), so that a lane, a bar and a select's case
# tell which one; "" otherwise, and for any other object.
proc model::chan_tag {id} {
    if {$id eq ""} { return "" }
    set dups [memo chandups {
        set d [dict create]
        foreach i [db eval {SELECT o.id FROM objects o JOIN
                (SELECT coalesce(name, '') AS n FROM objects WHERE type=$::trace::OBJ(chan)
                 GROUP BY coalesce(name, '') HAVING count(*) > 1) x
                ON coalesce(o.name, '') = x.n WHERE o.type=$::trace::OBJ(chan) AND o.name IS NOT NULL}] {
            dict set d $i 1
        }
        set d
    }]
    return [expr {[dict exists $dups $id] ? " #$id" : ""}]
}

# object_label's short form for a channel whose shown name is SHOWN, without
# a query: unnamed channels share a few names (one per creation site), so
# the answers are kept.
proc model::chan_label {shown} {
    variable chanlabels
    if {![info exists chanlabels($shown)]} {
        set where [auto_where $shown]
        set chanlabels($shown) [expr {$where ne "" ? "channel from $where" : $shown}]
    }
    return $chanlabels($shown)
}

# An object's name as stored: "B.mu", "results", or for an object the
# program did not name the runtime's "<type>@<file>:<line>".
proc model::object_name {id} {
    if {$id eq "" || $id == 0} { return "" }
    set n [db onecolumn {SELECT coalesce(name, type_name || '#' || id) FROM objects WHERE id=$id}]
    if {$n eq ""} { return "obj#$id" }
    return $n
}

# "<file>:<line>" when NAME is the runtime's name for an object the program
# did not name ("<type>@<file>:<line>", as analyzer/findings.c auto_named
# reads it), else "".
proc model::auto_where {name} {
    if {[regexp {^[a-z_]+@(.*:[0-9]+)$} $name - where]} { return $where }
    return ""
}

# The one way the viewer shows an object, worded as the analyzer's text
# words it (an_sb_obj in analyzer/findings.c).  FORM:
#   long  (captions)       "B.mu"        "the WaitGroup from ab-ba-deadlock.c:95"
#   short (tight places)   "B.mu"        "WaitGroup from ab-ba-deadlock.c:95"
#   typed (selection)      "mutex B.mu"  "the WaitGroup from ab-ba-deadlock.c:95"
# A named object keeps its name; "" for no object (id 0: a nil channel).
proc model::object_label {id {form long}} {
    if {$id eq "" || $id == 0} { return "" }
    return [memo [list olabel $id $form] {object_label_q $id $form}]
}
proc model::object_label_q {id form} {
    variable typewords
    set row [db eval {SELECT type, coalesce(name, type_name || '#' || id), a FROM objects
                      WHERE id=$id}]
    if {![llength $row]} { return [expr {$form eq "short" ? "obj#$id" : "object #$id"}] }
    lassign $row type name a
    set word [expr {[dict exists $typewords $type] ? [dict get $typewords $type] : "object"}]
    if {$type == $::trace::OBJ(timer) && $a ne "" && $a != 0} { set word ticker }
    set where [auto_where $name]
    if {$where ne ""} {
        return [expr {$form eq "short" ? "$word from $where" : "the $word from $where"}]
    }
    return [expr {$form eq "typed" ? "$word $name" : $name}]
}
# What a blocked goroutine waits on, short, for span labels and the state
# panel: "send results", "lock B.mu", "WaitGroup from x.c:95" (no "wg"
# before a label that already names the kind).
proc model::waits_on {reason obj {g ""} {seq ""}} {
    # a select says its cases ("select done, time.After")
    if {$reason eq "select" && $g ne "" && $seq ne ""} {
        set cases [select_cases $g $seq]
        if {$cases ne ""} { return "select $cases" }
    }
    set lbl [object_label $obj short]
    if {$lbl eq ""} { return $reason }
    set words {wg WaitGroup cond Cond once Once semaphore semaphore}
    if {[regexp {^(\S+) from } $lbl - word] && [dict exists $words $reason]
        && [dict get $words $reason] eq $word} {
        return $lbl
    }
    return "$reason $lbl[chan_tag $obj]"
}
# The cases of goroutine G's select that blocked at SEQ, from its
# select_begin (cases "r:3 s:5 d"): "done, time.After" (receives only),
# "send out, recv quit", "nil" for a nil channel's case, "default".  "" when the trace does
# not say (no select_begin).
proc model::select_cases {g seq} {
    set k [memo selectkind {db onecolumn {SELECT id FROM event_kinds WHERE name='select_begin'}}]
    if {$k eq ""} { return "" }
    set cs [db onecolumn {SELECT s FROM events WHERE g=$g AND seq <= $seq AND kind=$k
                          ORDER BY seq DESC LIMIT 1}]
    if {$cs eq ""} { return "" }
    # only receives (the usual select): the channels alone
    set mixed [regexp {(^| )s:} $cs]
    set out {}; set dir ""
    foreach c $cs {
        if {$c eq "d"} { lappend out default; set dir ""; continue }
        if {![regexp {^([rs]):(\d+)$} $c - rs id]} continue
        set name [expr {$id == 0 ? "nil" : "[object_label $id short][chan_tag $id]"}]
        set d [expr {$rs eq "r" ? "recv" : "send"}]
        lappend out [expr {!$mixed || $d eq $dir ? $name : "$d $name"}]
        set dir $d
    }
    return [join $out ", "]
}

# A lock's name in the lock bands: object_label's short form, and its id
# when other locks share the name ("stats.mu #4": a mutex copied by value
# gets a new id under the same name — the copies are different locks).
proc model::lock_label {id} {
    set lbl [object_label $id short]
    set n [db onecolumn {SELECT count(*) FROM objects o JOIN objects p ON p.name = o.name
                         AND p.type IN ($::trace::OBJ(mutex), $::trace::OBJ(rwmutex))
                         WHERE o.id=$id}]
    if {$n > 1} { append lbl " #$id" }
    return $lbl
}
proc model::object_type {id} {
    return [db onecolumn {SELECT type_name FROM objects WHERE id=$id}]
}
proc model::goroutine_name {id} {
    if {$id eq "" || $id == 0} { return "runtime" }
    set n [db onecolumn {SELECT name FROM goroutines WHERE id=$id}]
    return "$n #$id"
}

# Spans of goroutine G that overlap [LO, HI] (seq), in order.  Two index
# seeks: the span covering LO, then forward to HI.
proc model::spans {g lo hi} {
    return [db eval {
        SELECT state, reason, obj, start_seq, end_seq, start_ns, end_ns, open FROM spans
        WHERE g=$g AND start_seq >= coalesce((SELECT max(start_seq) FROM spans
              WHERE g=$g AND start_seq <= $lo), 0)
          AND start_seq <= $hi ORDER BY start_seq}]
}

# Level of detail: like spans, but spans narrower than MINW axis units are
# merged per bucket of MINW units.  AXIS is seq or ns.  Each row:
#   n state reason obj start_seq end_seq x0 x1 open run blk slp
# (n > 1: a summary block; run/blk/slp are the time spent in each state).
proc model::lod_spans {g lo hi axis minw} {
    if {$axis eq "ns"} { set a0 start_ns; set a1 end_ns } else { set a0 start_seq; set a1 end_seq }
    set minw [expr {max(1, wide($minw))}]
    return [memo [list lod $g $lo $hi $axis $minw] {db eval [string map [list A0 $a0 A1 $a1] {
        SELECT count(*), state, reason, obj, min(start_seq), max(end_seq), min(A0), max(A1),
               max(open),
               sum(CASE WHEN state='running' THEN A1-A0 ELSE 0 END),
               sum(CASE WHEN state='blocked' THEN A1-A0 ELSE 0 END),
               sum(CASE WHEN state='sleeping' THEN A1-A0 ELSE 0 END)
        FROM spans
        WHERE g=$g AND start_seq >= coalesce((SELECT max(start_seq) FROM spans
              WHERE g=$g AND start_seq <= $lo), 0)
          AND start_seq <= $hi
        GROUP BY CASE WHEN A1-A0 >= $minw THEN start_seq ELSE -1 - A0 / $minw END
        ORDER BY min(start_seq)}]}]
}

# What the blocked spans of G narrower than MINW axis units in [LO, HI]
# wait on (they are merged into summary blocks, too narrow to label): rows
# reason obj count first_start_seq, by first occurrence.
proc model::short_waits {g lo hi axis minw} {
    if {$axis eq "ns"} { set a0 start_ns; set a1 end_ns } else { set a0 start_seq; set a1 end_seq }
    set minw [expr {max(1, wide($minw))}]
    return [memo [list shortw $g $lo $hi $axis $minw] {db eval [string map [list A0 $a0 A1 $a1] {
        SELECT reason, obj, count(*), min(start_seq) FROM spans
        WHERE g=$g AND start_seq >= coalesce((SELECT max(start_seq) FROM spans
              WHERE g=$g AND start_seq <= $lo), 0)
          AND start_seq <= $hi AND state='blocked' AND A1-A0 < $minw
        GROUP BY reason, obj ORDER BY min(start_seq)}]}]
}

proc model::span_count {} { return [db onecolumn {SELECT count(*) FROM spans}] }

# The span of G covering SEQ (the last one starting at or before it).
proc model::span_at {g seq} {
    return [db eval {SELECT state, reason, obj, start_seq, end_seq, open FROM spans
        WHERE g=$g AND start_seq <= $seq ORDER BY start_seq DESC LIMIT 1}]
}

# Messages with an end in [LO, HI]; G restricts to one goroutine's (found
# through that goroutine's own send/receive events: the events(g, seq) index).
# Rows: msg chan send_seq recv_seq slot value has_value send_g recv_g
proc model::messages {lo hi {g ""} {limit 2000}} {
    return [memo [list msgs $lo $hi $g $limit] {messages_q $lo $hi $g $limit}]
}
proc model::messages_q {lo hi g limit} {
    variable msgtab
    set half [expr {max(1, $limit / 2)}]
    if {$g ne ""} {
        return [db eval "
            SELECT * FROM (SELECT m.msg, m.chan, m.send_seq, m.recv_seq, m.slot, m.value,
                   m.has_value, m.send_g, m.recv_g
            FROM events e JOIN $msgtab m ON m.send_seq = e.seq
            WHERE e.g = \$g AND e.seq BETWEEN \$lo AND \$hi AND +e.kind = [kinds chan_send] LIMIT \$half)
            UNION ALL
            SELECT * FROM (SELECT m.msg, m.chan, m.send_seq, m.recv_seq, m.slot, m.value,
                   m.has_value, m.send_g, m.recv_g
            FROM events e JOIN $msgtab m ON m.recv_seq = e.seq
            WHERE e.g = \$g AND e.seq BETWEEN \$lo AND \$hi AND +e.kind = [kinds chan_recv]
              AND m.send_g != \$g LIMIT \$half)"]
    }
    return [db eval "
        SELECT * FROM (SELECT msg, chan, send_seq, recv_seq, slot, value, has_value, send_g,
               recv_g FROM $msgtab WHERE send_seq BETWEEN \$lo AND \$hi LIMIT \$half)
        UNION ALL
        SELECT * FROM (SELECT msg, chan, send_seq, recv_seq, slot, value, has_value, send_g,
               recv_g FROM $msgtab WHERE recv_seq BETWEEN \$lo AND \$hi
               AND send_seq < \$lo LIMIT \$half)"]
}

# Channel CHAN's buffered messages overlapping [LO, HI] (tokens in the
# buffer), in send order, in two parts: chan_tokens_before, those still
# buffered at LO — a buffer is FIFO, so they are among the last CAP buffered
# sends before LO —, and chan_tokens_in, those sent in the window (at most
# LIMIT).  Each one index seek on (chan, send_seq), never a scan of the
# channel's past.  Rows: msg send_seq recv_seq(-1: never) slot value has_value.
proc model::chan_tokens_before {chan lo cap {limit 3000}} {
    variable msgtab
    set out {}
    set k [expr {min($cap, $limit)}]
    if {$k <= 0} { return {} }
    foreach {msg ss rs slot v hasv} [db eval "
            SELECT msg, send_seq, coalesce(recv_seq, -1), slot, value, has_value FROM $msgtab
            WHERE chan=\$chan AND send_seq < \$lo AND slot >= 0
            ORDER BY send_seq DESC LIMIT \$k"] {
        if {$rs < 0 || $rs >= $lo} { set out [linsert $out 0 $msg $ss $rs $slot $v $hasv] }
    }
    return $out
}
proc model::chan_tokens_in {chan lo hi {limit 3000}} {
    variable msgtab
    return [db eval "
        SELECT msg, send_seq, coalesce(recv_seq, -1), slot, value, has_value FROM $msgtab
        WHERE chan=\$chan AND send_seq BETWEEN \$lo AND \$hi AND slot >= 0
        ORDER BY send_seq LIMIT \$limit"]
}

# Panics about a channel (a send on a closed one...), read once per trace:
# a dict chan -> list of {seq text}.  (Per lane and window, "obj=? AND
# kind=panic" read every event of a busy channel in the window.)
proc model::object_panics {} {
    set out [dict create]
    db eval {SELECT obj, seq, s FROM events WHERE kind=$::trace::EV(panic) AND obj IS NOT NULL
             ORDER BY seq} {
        dict lappend out $obj [list $seq $s]
    }
    return $out
}

# Panics and misuses the runtime recorded (kinds panic, misuse), per goroutine,
# read once per trace: a dict g -> list of {seq text} (text: the misuse's
# name, else the panic's message).
proc model::goroutine_flags {{limit 20000}} {
    variable misuses
    set out [dict create]
    db eval {SELECT g, seq, kind, a, s FROM events
             WHERE kind IN ($::trace::EV(panic), $::trace::EV(misuse)) ORDER BY seq
             LIMIT $limit} {
        set txt [expr {$kind == $::trace::EV(misuse) && $a ne "" && [dict exists $misuses $a]
                       ? [dict get $misuses $a] : $s}]
        if {$kind == $::trace::EV(panic)} { set txt "panic: $txt" }
        dict lappend out $g [list $seq $txt]
    }
    return $out
}

# Non-message happens-before edges with an end in [LO, HI]; G restricts to
# the edges from or to that goroutine's events.
# Rows: from_seq to_seq kind from_g to_g
proc model::edges {lo hi {g ""} {limit 2000}} {
    return [memo [list edges $lo $hi $g $limit] {edges_q $lo $hi $g $limit}]
}
proc model::edges_q {lo hi g limit} {
    variable edgetab
    if {$g ne ""} {
        return [db eval "
            SELECT h.from_seq, h.to_seq, h.kind, e.g, t.g
            FROM events e JOIN $edgetab h ON h.from_seq = e.seq JOIN events t ON t.seq = h.to_seq
            WHERE e.g = \$g AND e.seq BETWEEN \$lo AND \$hi AND h.kind != 'msg'
            UNION
            SELECT h.from_seq, h.to_seq, h.kind, f.g, e.g
            FROM events e JOIN $edgetab h ON h.to_seq = e.seq JOIN events f ON f.seq = h.from_seq
            WHERE e.g = \$g AND e.seq BETWEEN \$lo AND \$hi AND h.kind != 'msg'
            LIMIT \$limit"]
    }
    set half [expr {max(1, $limit / 2)}]
    return [db eval "
        SELECT e.from_seq, e.to_seq, e.kind, f.g, t.g FROM
          (SELECT * FROM (SELECT from_seq, to_seq, kind FROM $edgetab
             WHERE from_seq BETWEEN \$lo AND \$hi AND kind != 'msg' LIMIT \$half)
           UNION ALL
           SELECT * FROM (SELECT from_seq, to_seq, kind FROM $edgetab
             WHERE to_seq BETWEEN \$lo AND \$hi AND from_seq < \$lo AND kind != 'msg'
             LIMIT \$half)) e
        JOIN events f ON f.seq = e.from_seq JOIN events t ON t.seq = e.to_seq"]
}

# Events of goroutine G in [LO, HI], at most LIMIT (+1 to tell "too many").
proc model::lane_events {g lo hi limit} {
    return [db eval {SELECT seq, t_ns, kind, obj FROM events
        WHERE g=$g AND seq BETWEEN $lo AND $hi ORDER BY seq LIMIT $limit + 1}]
}
# KINDS: names of event kinds (chan_recv ...).
proc model::obj_events {obj kinds lo hi limit} {
    return [db eval "SELECT seq, t_ns, kind, g, a, s FROM events
        WHERE obj=\$obj AND seq BETWEEN \$lo AND \$hi AND +kind IN ([kinds {*}$kinds])
        ORDER BY seq LIMIT \$limit"]
}

# One event as a dict (empty if none).
proc model::event {seq} {
    set d {}
    db eval {SELECT e.seq, e.t_ns, e.g, e.kind, k.name AS kname, e.obj, e.a, e.b, e.c, e.d,
                    e.site, e.s, s.file, s.line
             FROM events e LEFT JOIN event_kinds k ON k.id=e.kind
             LEFT JOIN sites s ON s.id=e.site WHERE e.seq=$seq} r {
        foreach k {seq t_ns g kind kname obj a b c d site s file line} { dict set d $k $r($k) }
    }
    return $d
}

proc model::ns_of_seq {seq} {
    variable maxns
    set v [db onecolumn {SELECT t_ns FROM events WHERE seq=$seq}]
    if {$v eq ""} { return [expr {$seq <= 1 ? 0 : $maxns}] }
    return $v
}

# The first seq whose t_ns >= NS (binary search on the primary key; t_ns
# follows seq order up to clock jitter between threads).
proc model::seq_at_ns {ns} {
    variable maxseq
    set lo 1; set hi $maxseq
    while {$lo < $hi} {
        set mid [expr {($lo + $hi) / 2}]
        set t [db onecolumn {SELECT t_ns FROM events WHERE seq=$mid}]
        if {$t eq "" || $t < $ns} { set lo [expr {$mid + 1}] } else { set hi $mid }
    }
    return $lo
}

# The program's own source file: the one most of its first 5000 events'
# sites name ("" when none is known; a bounded read on any trace size).
proc model::main_source {} {
    return [db onecolumn {SELECT s.file FROM events e JOIN sites s ON s.id = e.site
        WHERE e.seq <= 5000 AND s.file NOT IN ('', '?') AND s.line > 0 GROUP BY s.file
        ORDER BY count(*) DESC LIMIT 1}]
}

proc model::site {id} {
    if {$id eq ""} { return {} }
    return [db eval {SELECT file, line FROM sites WHERE id=$id}]
}

# Findings: list of dicts id kind severity title explanation fix
proc model::findings {} {
    set out {}
    db eval {SELECT id, kind, severity, title, explanation, fix FROM findings ORDER BY id} r {
        lappend out [dict create id $r(id) kind $r(kind) severity $r(severity) \
                         title $r(title) explanation $r(explanation) fix $r(fix)]
    }
    return $out
}
proc model::finding {id} {
    foreach f [findings] { if {[dict get $f id] == $id} { return $f } }
    return {}
}
# Rows: seq g obj role (seq/g/obj may be empty), most important first
proc model::finding_refs {id} {
    return [db eval {SELECT seq, g, obj, role FROM finding_refs WHERE finding=$id
                     ORDER BY rowid}]
}

# The goroutines finding ID says hold lock OBJ (finding_holds), in order.
proc model::finding_holders {id obj} {
    return [db eval {SELECT DISTINCT g FROM finding_holds WHERE finding=$id AND obj=$obj
                     ORDER BY g}]
}

# Who held mutex OBJ at SEQ (last acquirer with no release after), or "".
# Only for traces checked before finding_holds existed.
proc model::mutex_holder {obj seq} {
    set acq [db eval {SELECT seq, g FROM events WHERE obj=$obj
                      AND +kind IN ($::trace::EV(mutex_acquire), $::trace::EV(rw_racquire))
                      AND seq < $seq ORDER BY seq DESC LIMIT 1}]
    if {$acq eq ""} { return "" }
    lassign $acq aseq ag
    if {[db exists {SELECT 1 FROM events WHERE obj=$obj
                    AND +kind IN ($::trace::EV(mutex_release), $::trace::EV(rw_rrelease)) AND g=$ag
                    AND seq > $aseq AND seq < $seq}]} { return "" }
    return $ag
}

# Who could still wake each blocked goroutine of finding ID, as the
# analyzer stored it (finding_wakers): a dict g -> list of goroutine ids,
# only for the goroutines that have a row.  {} on a trace checked before
# the table existed (the captions then fall back to chan_partners).
proc model::wakers {id} {
    set out [dict create]
    if {![has_table finding_wakers]} { return $out }
    db eval {SELECT g, waker FROM finding_wakers WHERE finding=$id ORDER BY g, waker} {
        dict lappend out $g $waker
    }
    return $out
}

# True when the trace has table NAME (tables the analyzer added later are
# missing from traces checked before: their features are just not shown).
proc model::has_table {name} {
    return [memo [list table $name] {db exists {SELECT 1 FROM sqlite_master
        WHERE type='table' AND name=$name}}]
}
# True when table TABLE has column COL.
proc model::has_column {table col} {
    return [memo [list column $table $col] {db exists \
        "SELECT 1 FROM pragma_table_info('$table') WHERE name=\$col"}]
}

# A finding's culprit (the line to change) and one-line fix, as the
# analyzer stored them: a dict with site (sites.id or ""), file, line, g,
# fix_line ("" each when absent or on an older trace).
proc model::culprit {id} {
    set d [dict create site "" file "" line "" g "" fix_line ""]
    foreach col {culprit_site culprit_g fix_line} key {site g fix_line} {
        if {[has_column findings $col]} {
            dict set d $key [db onecolumn "SELECT $col FROM findings WHERE id=\$id"]
        }
    }
    if {[dict get $d site] ne ""} {
        lassign [site [dict get $d site]] file line
        dict set d file $file
        dict set d line $line
    }
    return $d
}

# Lock holds of goroutine G overlapping seqs [LO, HI], from lock_spans:
# rows obj mode start_seq end_seq start_ns end_ns (end "" when still held at
# the end of the run).  Those that start in the window (an index range on
# (g, start_seq)) and those taken before it and still held (among the last
# 64 taken before LO: holds nest, a goroutine holds few locks at once).
proc model::lock_spans {g lo hi {limit 1000}} {
    if {![has_table lock_spans]} { return {} }
    return [memo [list locks $g $lo $hi $limit] {db eval {
        SELECT * FROM (SELECT obj, mode, start_seq, coalesce(end_seq, '') AS e, start_ns,
               coalesce(end_ns, '') FROM lock_spans
               WHERE g=$g AND start_seq < $lo ORDER BY start_seq DESC LIMIT 64)
        WHERE e = '' OR e >= $lo
        UNION ALL
        SELECT * FROM (SELECT obj, mode, start_seq, coalesce(end_seq, ''), start_ns,
               coalesce(end_ns, '') FROM lock_spans
               WHERE g=$g AND start_seq BETWEEN $lo AND $hi ORDER BY start_seq LIMIT $limit)}}]
}

# Shared-variable accesses (var_read, var_write: SHARED_READ/WRITE)
# of goroutine G in [LO, HI]: rows seq kind obj, in order.  One query per
# window for every lane (var_window), through the (obj, seq) index on the
# variables' ids: its cost is the accesses in the window, never the other
# events of a busy lane; none at all in a trace without variables.
proc model::var_accesses {g lo hi} {
    set w [var_window $lo $hi]
    return [expr {[dict exists $w $g] ? [dict get $w $g] : {}}]
}
proc model::var_window {lo hi {limit 20000}} {
    set ids [memo varids {db eval {SELECT id FROM objects WHERE type=$::trace::OBJ(var)}}]
    if {![llength $ids]} { return {} }
    return [memo [list varwin $lo $hi] {
        set out [dict create]
        foreach {g seq kind obj} [db eval "SELECT g, seq, kind, obj FROM events
                WHERE obj IN ([join $ids ,]) AND seq BETWEEN \$lo AND \$hi
                AND +kind IN ([kinds var_read var_write]) LIMIT \$limit"] {
            dict lappend out $g [list $seq $kind $obj]
        }
        # the two accesses of each race the race build found, as var_read/var_write
        foreach {g seq kind obj} [race_accesses] {
            if {$seq >= $lo && $seq <= $hi} { dict lappend out $g [list $seq $kind $obj] }
        }
        dict for {g rows} $out {
            dict set out $g [concat {*}[lsort -integer -index 0 $rows]]
        }
        set out
    }]
}

# WaitGroup Add and Done calls in [LO, HI], per goroutine: a dict g ->
# list of seq delta obj (wg_add: a is the delta, -1 for Done).  One query
# per window for every lane, through the (obj, seq) index on the
# WaitGroups' ids; none in a trace without WaitGroups.
proc model::wg_adds {g lo hi} {
    set w [wg_window $lo $hi]
    return [expr {[dict exists $w $g] ? [dict get $w $g] : {}}]
}
proc model::wg_window {lo hi {limit 20000}} {
    set ids [memo wgids {db eval {SELECT id FROM objects WHERE type=$::trace::OBJ(waitgroup)}}]
    set k [memo wgaddkind {db onecolumn {SELECT id FROM event_kinds WHERE name='wg_add'}}]
    if {![llength $ids] || $k eq ""} { return {} }
    return [memo [list wgwin $lo $hi] {
        set out [dict create]
        foreach {g seq a obj} [db eval "SELECT g, seq, a, obj FROM events
                WHERE obj IN ([join $ids ,]) AND seq BETWEEN \$lo AND \$hi
                AND +kind = \$k ORDER BY seq LIMIT \$limit"] {
            dict lappend out $g $seq $a $obj
        }
        set out
    }]
}

# Who runs each Once's function, and from when to when: a dict g -> list
# of obj start_seq end_seq (end "" when it never returned).  The runner is
# the goroutine whose once_end says it ran the function (a = 1), from its
# first once_begin on that Once; a Once with no such end (the function never
# returned: a recursive Do) was run by the goroutine of its first
# once_begin.  Read once per trace.
proc model::once_runs {} {
    return [memo onceruns {
        set out [dict create]
        set kb [db onecolumn {SELECT id FROM event_kinds WHERE name='once_begin'}]
        set ke [db onecolumn {SELECT id FROM event_kinds WHERE name='once_end'}]
        if {$kb ne "" && $ke ne ""} {
            foreach {obj} [db eval {SELECT id FROM objects WHERE type=$::trace::OBJ(once)}] {
                set end [db eval {SELECT g, seq FROM events WHERE obj=$obj AND kind=$ke
                                  AND a=1 ORDER BY seq LIMIT 1}]
                if {[llength $end]} {
                    lassign $end g es
                    set ss [db onecolumn {SELECT min(seq) FROM events WHERE obj=$obj
                                          AND kind=$kb AND g=$g AND seq <= $es}]
                } else {
                    lassign [db eval {SELECT g, seq FROM events WHERE obj=$obj AND kind=$kb
                                      ORDER BY seq LIMIT 1}] g ss
                    set es ""
                }
                if {$ss ne ""} { dict lappend out $g [list $obj $ss $es] }
            }
        }
        set out
    }]
}

# The accesses of the races the race build found (chanscope build --race:
# race_prev then race, docs/trace-format.md) as rows g seq kind obj
# with kind var_read or var_write.  The race event is the later access,
# on its own goroutine at its seq.  The earlier access has no event of its
# own (race_prev is emitted at the report, by the reporting goroutine): it
# is shown on its goroutine (race_prev's b) at that goroutine's last step
# at or before the report (race_prev_seq).  Few rows: read once per trace.
proc model::race_accesses {} {
    return [memo raceacc {
        set out {}
        foreach {seq kind g obj b c} [db eval {SELECT seq, kind, g, obj, b, c FROM events
                WHERE kind IN ($::trace::EV(race_prev), $::trace::EV(race)) ORDER BY seq LIMIT 2000}] {
            if {$kind == $::trace::EV(race)} {
                lappend out $g $seq [expr {$b == 1 ? $::trace::EV(var_write) : $::trace::EV(var_read)}] $obj
            } else {
                lappend out $b [race_prev_seq $seq] [expr {$c == 1 ? $::trace::EV(var_write) : $::trace::EV(var_read)}] $obj
            }
        }
        set out
    }]
}
# Where the earlier access of race_prev SEQ is drawn (see race_accesses).
proc model::race_prev_seq {seq} {
    return [memo [list raceprev $seq] {
        set b [db onecolumn {SELECT b FROM events WHERE seq=$seq AND kind=$::trace::EV(race_prev)}]
        set at ""
        if {$b ne ""} { set at [db onecolumn {SELECT max(seq) FROM events WHERE g=$b AND seq<=$seq}] }
        expr {$at eq "" ? $seq : $at}
    }]
}

# Marks for objects that have no lane of their own but a channel: a
# timer's or ticker's fires and stop (its channel, timer_start's b) and a
# context's cancel (its Done channel, ctx_create's c).  Read once per
# trace: a dict chan -> list of {seq kind} (kinds ctx_cancel, timer_fire,
# timer_stop).
proc model::object_marks {{limit 200000}} {
    set chan [dict create]
    db eval "SELECT obj, b, c, kind FROM events WHERE kind IN ([kinds ctx_create timer_start])" {
        set ch [expr {$kind == $::trace::EV(timer_start) ? $b : $c}]
        if {$obj ne "" && $ch ne "" && $ch > 0} { dict set chan $obj $ch }
    }
    set out [dict create]
    if {![dict size $chan]} { return $out }
    db eval "SELECT obj, seq, kind FROM events
             WHERE kind IN ([kinds ctx_cancel timer_fire timer_stop]) ORDER BY seq
             LIMIT \$limit" {
        if {[dict exists $chan $obj]} { dict lappend out [dict get $chan $obj] [list $seq $kind] }
    }
    return $out
}

# Goroutines still alive at the end that could act on channel OBJ for G:
# for a blocked send those that receive from it, for a blocked receive those
# that send on it.
proc model::chan_partners {obj g {op ""}} {
    switch -- $op {
        send { set kinds {chan_recv_begin chan_recv} }
        recv { set kinds {chan_send_begin chan_send} }
        default { set kinds {chan_send_begin chan_send chan_recv_begin chan_recv} }
    }
    set gs [db eval "SELECT DISTINCT e.g FROM events e JOIN goroutines r ON r.id = e.g
        WHERE e.obj=\$obj AND +e.kind IN ([kinds {*}$kinds]) AND e.g != \$g AND r.end_seq IS NULL
        ORDER BY e.g"]
    return $gs
}

# Goroutine states at SEQ: list of dicts g name state reason obj since.
# IDS: only those goroutines (the lanes in view, when there are many).
proc model::state_at {seq {limit 300} {ids ""}} {
    set out {}
    set only [expr {$ids eq "" ? "" : "AND id IN ([join $ids ,])"}]
    db eval "SELECT id, name FROM goroutines WHERE create_seq <= \$seq
             AND (end_seq IS NULL OR end_seq >= \$seq) $only ORDER BY id LIMIT \$limit" r {
        set sp [span_at $r(id) $seq]
        if {$sp eq ""} {
            set st starting; set rs ""; set ob ""; set since $seq
        } else {
            lassign $sp st rs ob since
        }
        lappend out [dict create g $r(id) name $r(name) state $st reason $rs obj $ob since $since]
    }
    return $out
}

# Values in channel CHAN's buffer at SEQ, oldest first: list of {slot value
# has_value}.  A buffer is FIFO, so what it holds at SEQ is among the last CAP
# buffered sends before SEQ: one index seek back, never a scan of the past.
proc model::buffer_at {chan seq {cap ""}} {
    variable msgtab
    if {$cap eq ""} { set cap [db onecolumn {SELECT a FROM objects WHERE id=$chan}] }
    if {$cap eq "" || $cap <= 0} { return {} }
    set rows [db eval "SELECT slot, value, has_value, coalesce(recv_seq, -1) FROM $msgtab
        WHERE chan=\$chan AND send_seq <= \$seq AND slot >= 0
        ORDER BY send_seq DESC LIMIT \$cap"]
    set out {}
    foreach {slot v hasv rs} $rows {
        if {$rs < 0 || $rs > $seq} { set out [linsert $out 0 $slot $v $hasv] }
    }
    return $out
}

# Resolve a site's file to a readable path, or "".
proc model::source_path {file} {
    variable path; variable home
    if {$file eq ""} { return "" }
    if {[file pathtype $file] eq "absolute"} {
        return [expr {[file readable $file] ? $file : ""}]
    }
    set prog [metaval program]
    set cands [list $home [file dirname $path] [pwd]]
    if {$prog ne ""} { lappend cands [file dirname $prog] }
    foreach dir $cands {
        if {$dir eq ""} continue
        set p [file join $dir $file]
        if {[file readable $p] && [file isfile $p]} { return $p }
    }
    # last resort: the file name beside the trace
    set p [file join [file dirname $path] [file tail $file]]
    if {[file readable $p]} { return $p }
    return ""
}
