# main.tcl — entry point of the chanscope viewer (run by `chanscope view`):
#
#   tclsh viewer/main.tcl -- TRACE [--screenshot FILE.png [--finding N] [--at SEQ]]
#        [--axis seq|ns] [--arrows sel|all|none] [--size WxH] [--bench OUT.json --t0 MS]
#        [--name SHOWN] [--no-check] [--quiz]       (wish works too)
#
# Bad input (missing file, not a trace, unknown schema, trace not checked, a
# screenshot path that cannot be written or is the trace, a display Tk
# cannot open) prints one line "chanscope: ..." on stderr and exits 2, never
# a traceback.  --name: the name to show for TRACE (chanscope view passes the
# trace's own name when TRACE is a private snapshot of it).  --no-check:
# the analysis is hidden (the findings panel says so).  --quiz: hidden
# until the learner has named the bug and its culprit (quiz.tcl).
# Tests source this file with ::viewer_library_only set and call viewer::*.
namespace eval viewer {
    variable dir [file dirname [file normalize [info script]]]
    variable t0 [clock milliseconds]
    variable opts
}
# The trace contract's tables (::trace, generated from format/ by the build):
# beside this file when installed, in build/format/ of the source tree, or
# where CHANSCOPE_TRACE_FORMAT says (chanscope view sets it from its own
# build folder).
proc viewer::find_format {} {
    variable dir
    set cands [list [file join $dir trace_format.tcl] \
                   [file join [file dirname $dir] build format trace_format.tcl]]
    if {[info exists ::env(CHANSCOPE_TRACE_FORMAT)] && $::env(CHANSCOPE_TRACE_FORMAT) ne ""} {
        set cands [linsert $cands 0 $::env(CHANSCOPE_TRACE_FORMAT)]
    }
    foreach f $cands { if {[file readable $f]} { return $f } }
    puts stderr "chanscope: view: the viewer's trace_format.tcl is missing (looked at\
        [join $cands {, }]): run make, or reinstall"
    exit 2
}
if {![namespace exists ::trace]} { source [viewer::find_format] }
foreach f {model timeline lanemarks highlight navigate panels replay quiz} {
    source [file join $viewer::dir $f.tcl]
}
# `chanscope view` runs this under tclsh, so that a display Tk cannot open
# is one clear line (wish would print a 7-line Tcl trace before running any
# of it).  With CHANSCOPE_VIEW_NODISPLAY=N set (chanscope view does for
# --screenshot), exit N silently instead: the caller then retries under a
# private Xvfb.
if {[catch {package require Tk} err]} {
    if {[info exists ::env(CHANSCOPE_VIEW_NODISPLAY)]
        && [string is integer -strict $::env(CHANSCOPE_VIEW_NODISPLAY)]} {
        exit $::env(CHANSCOPE_VIEW_NODISPLAY)
    }
    puts stderr "chanscope: view: [lindex [split $err \n] 0]: run it under X (check\
        DISPLAY), or use --screenshot FILE.png, which renders under a private Xvfb"
    exit 2
}
wm withdraw .

proc viewer::usage {} {
    return "usage: chanscope view TRACE \[--screenshot FILE.png \[--finding N\] \[--at SEQ\]\] \[--axis seq|ns\] \[--arrows sel|all|none\] \[--no-check\] \[--quiz\]"
}

# Parse ARGV into viewer::opts; raise a bad-input error on a bad option.
proc viewer::parse {argv} {
    variable opts
    array set opts {trace "" screenshot "" finding "" at "" axis seq arrows sel
        size 1500x920 bench "" t0 "" name "" nocheck 0 quiz 0}
    # tclsh passes the "--" that separates the script's arguments; wish drops it
    if {[lindex $argv 0] eq "--"} { set argv [lrange $argv 1 end] }
    set n [llength $argv]
    for {set i 0} {$i < $n} {incr i} {
        set a [lindex $argv $i]
        switch -- $a {
            --screenshot - --finding - --at - --axis - --arrows - --size - --bench - --t0 -
            --name {
                if {$i + 1 >= $n} { model::bad "option $a needs a value" }
                set opts([string range $a 2 end]) [lindex $argv [incr i]]
            }
            --no-check { set opts(nocheck) 1 }
            --quiz { set opts(quiz) 1 }
            -h - --help { model::bad [usage] }
            default {
                if {[string match -* $a]} { model::bad "unknown option '$a' ([usage])" }
                if {$opts(trace) ne ""} { model::bad "one trace at a time ('$a')" }
                set opts(trace) $a
            }
        }
    }
    if {$opts(trace) eq ""} { model::bad [usage] }
    foreach k {finding at t0} {
        if {$opts($k) ne "" && ![string is wide -strict $opts($k)]} {
            model::bad "--$k needs a number, not '$opts($k)'"
        }
    }
    if {$opts(axis) ni {seq ns wall}} { model::bad "--axis is seq or ns, not '$opts(axis)'" }
    if {$opts(axis) eq "wall"} { set opts(axis) ns }
    if {$opts(arrows) ni {sel all none}} { model::bad "--arrows is sel, all or none" }
    if {![regexp {^\d+x\d+$} $opts(size)]} { model::bad "--size is WIDTHxHEIGHT" }
    if {$opts(screenshot) ne ""} { check_output $opts(screenshot) $opts(trace) }
    if {$opts(finding) ne "" && ($opts(nocheck) || $opts(quiz))} {
        model::bad "--finding shows a finding: not with [expr {$opts(quiz) ? "--quiz" : "--no-check"}], which hides them"
    }
}

# True while the analysis is not to be shown: --no-check, or a quiz not
# answered yet.  The findings panel then says so, and no finding is drawn.
proc viewer::analysis_hidden {} {
    variable opts
    if {![info exists opts(nocheck)]} { return 0 }
    return [expr {$opts(nocheck) || ($opts(quiz) && !$quiz::answered)}]
}

# A screenshot file must be writable where it is asked for, and never the
# trace itself (same device and inode, whatever the path or symlink says).
# chanscope view checks the same, and the trace's -wal/-shm/-journal too.
proc viewer::check_output {out trace} {
    set dir [file dirname $out]
    if {![file isdirectory $dir]} {
        model::bad "--screenshot $out: no such folder '$dir'"
    }
    if {[file isdirectory $out]} { model::bad "--screenshot $out: is a folder" }
    if {[file exists $out]} {
        if {![file writable $out]} { model::bad "--screenshot $out: not writable" }
        if {[file exists $trace]} {
            file stat $out a; file stat $trace b
            if {$a(dev) == $b(dev) && $a(ino) == $b(ino)} {
                model::bad "--screenshot $out is the trace itself: choose another file"
            }
        }
    } elseif {![file writable $dir]} {
        model::bad "--screenshot $out: folder '$dir' is not writable"
    }
}

# The window: toolbar, replay bar, timeline, side panels, legend.
proc viewer::build_ui {} {
    variable opts
    wm title . "chanscope view"
    ttk::style theme use clam
    option add *Text.highlightThickness 0
    set tb [ttk::frame .tb -padding 2]
    ttk::button $tb.fit -text "Fit" -command timeline::fit -width 4
    ttk::button $tb.zin -text "+" -width 2 -command {timeline::zoom 1.5}
    ttk::button $tb.zout -text "\u2212" -width 2 -command {timeline::zoom 0.667}
    ttk::label $tb.axl -text "  axis:"
    ttk::radiobutton $tb.seq -text "event order" -value seq -variable viewer::axis \
        -command {timeline::set_axis $viewer::axis}
    ttk::radiobutton $tb.ns -text "wall time" -value ns -variable viewer::axis \
        -command {timeline::set_axis $viewer::axis}
    ttk::label $tb.arl -text "  arrows:"
    foreach {v t} {sel "selection" all "all" none "none"} {
        ttk::radiobutton $tb.ar$v -text $t -value $v -variable timeline::arrows \
            -command timeline::schedule
    }
    ttk::button $tb.waker -text "Jump to waker" -command timeline::jump_waker
    ttk::label $tb.fl -text "  filter lanes:"
    ttk::entry $tb.filter -width 16 -textvariable viewer::filter
    bind $tb.filter <KeyRelease> {timeline::set_filter $viewer::filter}
    ttk::label $tb.trace -text "" -foreground #404040
    pack $tb.fit $tb.zin $tb.zout $tb.axl $tb.seq $tb.ns $tb.arl $tb.arsel $tb.arall \
        $tb.arnone $tb.waker $tb.fl $tb.filter -side left -padx 1
    pack $tb.trace -side right
    replay::create .rp

    ttk::panedwindow .pw -orient horizontal
    ttk::panedwindow .pw.left -orient vertical
    timeline::create .pw.left.tl
    ttk::panedwindow .pw.left.bot -orient horizontal
    panels::create_details .pw.left.bot.d
    panels::create_source .pw.left.bot.s
    .pw.left.bot add .pw.left.bot.d -weight 1
    .pw.left.bot add .pw.left.bot.s -weight 2
    .pw.left add .pw.left.tl -weight 4
    .pw.left add .pw.left.bot -weight 1
    ttk::panedwindow .pw.right -orient vertical
    panels::create_findings .pw.right.f
    if {$opts(quiz)} { quiz::create .pw.right.f.quiz }
    panels::create_state .pw.right.s
    .pw.right add .pw.right.f -weight 1
    .pw.right add .pw.right.s -weight 1
    .pw add .pw.left -weight 4
    .pw add .pw.right -weight 1
    panels::create_legend .legend

    pack .tb -fill x
    pack .rp -fill x
    pack .legend -fill x -side bottom
    pack .pw -fill both -expand 1

    set c $timeline::c
    bind . <Key-plus> {timeline::zoom 1.5}
    bind . <Key-equal> {timeline::zoom 1.5}
    bind . <Key-minus> {timeline::zoom 0.667}
    bind . <Key-f> timeline::fit
    bind . <Key-Left> {timeline::pan -80}
    bind . <Key-Right> {timeline::pan 80}
    bind . <Key-Up> {timeline::scroll -1}
    bind . <Key-Down> {timeline::scroll 1}
    bind . <Key-space> replay::toggle
    bind . <Key-period> {replay::step 1}
    bind . <Key-comma> {replay::step -1}
    bind . <Key-u> timeline::jump_waker
    bind . <Key-a> {set timeline::arrows [expr {$timeline::arrows eq "all" ? "sel" : "all"}]; timeline::schedule}
    # typing in the filter must not trigger the window's one-key shortcuts
    bindtags .tb.filter [list .tb.filter TEntry all]
    # never larger than the screen (a window off-screen cannot be captured)
    lassign [split $opts(size) x] ww wh
    set ww [expr {min($ww, [winfo screenwidth .])}]
    set wh [expr {min($wh, [winfo screenheight .] - 30)}]
    wm geometry . ${ww}x${wh}+0+0
}

# Give the timeline most of the window.
proc viewer::place_sashes {} {
    update idletasks
    update
    set W [winfo width .pw]; set H [winfo height .pw.left]
    catch {.pw sashpos 0 [expr {int($W * 0.70)}]}
    catch {.pw.left sashpos 0 [expr {int($H * 0.70)}]}
    catch {.pw.right sashpos 0 [expr {int([winfo height .pw.right] * 0.45)}]}
    update idletasks
}

# Open TRACE and show it (window must exist).
proc viewer::open_trace {path} {
    variable axis; variable opts
    model::open_trace $path
    # --name: what to call the trace when PATH is a private snapshot of it
    set name [expr {$opts(name) ne "" ? $opts(name) : $path}]
    wm title . "chanscope view \u2014 [file tail $name]"
    set ending "[model::metaval end_reason truncated] [model::metaval exit_status ""]"
    set sig [model::metaval end_signal ""]
    if {$sig ne ""} { set ending "killed by signal $sig, [model::metaval exit_status ""]" }
    # a log that could not grow: the trace stops early (docs/trace-format.md)
    set lost [model::metaval events_lost ""]
    if {$lost ne ""} { set ending "stops early: $lost events not recorded" }
    # a deterministic run (docs/schedules.md) says which schedule it was
    set seed [model::metaval seed ""]
    set sched [expr {$seed eq "" ? "" : " (seed $seed, [model::metaval strategy random])"}]
    # the program by its file name: its whole path pushed how the run ended
    # out of the window
    .tb.trace configure -text "[file tail $name]$sched: [file tail [model::metaval program]] \
        ($ending), $model::maxseq events"
    set axis $opts(axis)
    set timeline::axis $axis
    set timeline::arrows $opts(arrows)
    quiz::reset
    timeline::load
    panels::load_findings
    replay::load
    # analysis hidden: the cursor at the end, so that the state panel says
    # who is stuck on what when the program ended (what a finding would)
    if {[analysis_hidden]} {
        replay::seek $model::maxseq 0
        # and the program's source in its pane, to read (and, in a quiz,
        # to click the line to blame)
        set f [model::main_source]
        if {$f ne ""} { panels::show_source $f "" }
    }
    timeline::show_findings_lanes
}

proc viewer::home {} {
    if {[info exists ::env(CHANSCOPE_HOME)] && $::env(CHANSCOPE_HOME) ne ""} {
        return $::env(CHANSCOPE_HOME)
    }
    return [file dirname $viewer::dir]
}

# Bring the window to its final look for a screenshot: finding, cursor.
proc viewer::apply_view {} {
    variable opts
    if {$opts(finding) ne ""} {
        if {[model::finding $opts(finding)] eq ""} {
            model::bad "$opts(trace): no finding $opts(finding) (it has [llength [model::findings]])"
        }
        panels::select_finding $opts(finding)
    }
    if {$opts(at) ne ""} {
        if {$opts(at) < 1 || $opts(at) > $model::maxseq} {
            model::bad "--at $opts(at): the trace has events 1..$model::maxseq"
        }
        replay::seek $opts(at) [expr {$opts(finding) eq ""}]
    }
}

# Paint now, synchronously (the window must be mapped).
proc viewer::paint {} {
    update idletasks
    update
    timeline::redraw
    update idletasks
}

# Capture the whole window into FILE (PNG) with tkimg's window format.
proc viewer::screenshot {file} {
    if {[catch {package require img::window}]} {
        error "screenshot needs the tkimg window format: apt-get install libtk-img"
    }
    paint
    raise .
    update
    set img [image create photo -format window -data .]
    $img write $file -format png
    image delete $img
    return $file
}

# The benchmark (make bench-viewer): first paint time, then pan, zoom and
# scroll redraws.
proc viewer::bench {out} {
    variable opts; variable t0
    set start [expr {$opts(t0) ne "" ? $opts(t0) : $t0}]
    set first [expr {[clock milliseconds] - $start}]
    set times {}
    set byop {}
    lassign [timeline::seq_window] lo hi
    # a selected goroutine (its arrows drawn); zoom to ~5% of the run, then pan and zoom
    timeline::select_g 2
    timeline::zoom_seqs [expr {$hi / 2}] [expr {$hi / 2 + $hi / 20}]
    paint
    set ops {}
    for {set i 0} {$i < 10} {incr i} { lappend ops {timeline::pan 300} {timeline::zoom 1.5} \
        {timeline::pan -200} {timeline::zoom 0.667} }
    lappend ops timeline::fit {timeline::zoom 4} {timeline::pan 500} {timeline::zoom 0.25}
    # scrolling through the lanes (each scroll draws the lanes it brings in)
    lappend ops {timeline::yview moveto 0.5} {timeline::scroll 30} {timeline::yview moveto 1.0} \
        {timeline::scroll -30} {timeline::yview moveto 0.0}
    foreach op $ops {
        eval $op
        set t [clock microseconds]
        timeline::redraw
        update idletasks
        lappend times [expr {([clock microseconds] - $t) / 1000.0}]
        lappend byop [lindex $times end] $op
    }
    set slow [lrange [lsort -stride 2 -real -decreasing $byop] 0 1]
    set sorted [lsort -real $times]
    set med [lindex $sorted [expr {[llength $sorted] / 2}]]
    set max [lindex $sorted end]
    set p90 [lindex $sorted [expr {int([llength $sorted] * 0.9)}]]
    set json [format {{"events": %d, "spans": %d, "goroutines": %d, "channels": %d, "first_paint_ms": %d, "redraw_median_ms": %.1f, "redraw_p90_ms": %.1f, "redraw_max_ms": %.1f, "redraws": %d, "goal_first_paint_ms": 2000, "goal_redraw_ms": 100}} \
        $model::maxseq [model::span_count] [expr {[llength $timeline::gors] / 8}] \
        [timeline::chan_count] $first $med $p90 $max [llength $times]]
    puts "first paint: $first ms ($model::maxseq events, [timeline::chan_count] channels,\
        [expr {[llength $timeline::gors] / 8}] goroutines)"
    puts [format "pan/zoom redraw: median %.1f ms, p90 %.1f ms, max %.1f ms (%d redraws)" \
              $med $p90 $max [llength $times]]
    puts [format "slowest: %s (%.1f ms)" [lindex $slow 1] [lindex $slow 0]]
    set f [open $out w]; puts $f $json; close $f
}

# An error in an event handler: report it on stderr (no Tk dialog, which
# would hang a headless run); headless runs exit 1.
proc viewer::bgerror {msg opt} {
    variable opts
    puts stderr "chanscope: viewer error: [lindex [split $msg \n] 0]"
    if {[info exists ::env(CHANSCOPE_DEBUG)]} { puts stderr [dict get $opt -errorinfo] }
    if {[info exists opts(screenshot)] && ($opts(screenshot) ne "" || $opts(bench) ne "")} {
        exit 1
    }
}
interp bgerror {} viewer::bgerror

proc viewer::main {argv} {
    variable opts
    parse $argv
    set model::home [home]
    # validate before showing anything: bad input never opens a window
    model::open_trace $opts(trace)
    if {$opts(finding) ne "" && [model::finding $opts(finding)] eq ""} {
        model::bad "$opts(trace): no finding $opts(finding) (it has [llength [model::findings]])"
    }
    if {$opts(at) ne "" && ($opts(at) < 1 || $opts(at) > $model::maxseq)} {
        model::bad "--at $opts(at): the trace has events 1..$model::maxseq"
    }
    build_ui
    wm deiconify .
    place_sashes
    open_trace $opts(trace)
    if {$opts(bench) ne ""} {
        paint
        bench $opts(bench)
        exit 0
    }
    if {$opts(screenshot) ne ""} {
        paint
        apply_view
        screenshot $opts(screenshot)
        puts "wrote $opts(screenshot)"
        exit 0
    }
    apply_view
}

if {![info exists ::viewer_library_only]} {
    if {[catch {viewer::main $argv} err opt]} {
        if {[lindex [dict get $opt -errorcode] 0] eq "CHANSCOPE"} {
            puts stderr "chanscope: $err"
            exit 2
        }
        puts stderr "chanscope: viewer error: [lindex [split $err \n] 0]"
        if {[info exists ::env(CHANSCOPE_DEBUG)]} { puts stderr [dict get $opt -errorinfo] }
        exit 1
    }
    # interactive: run the event loop (tclsh has none of its own) until the
    # window is closed
    bind . <Destroy> {if {"%W" eq "."} { exit 0 }}
    vwait ::viewer::forever
}
