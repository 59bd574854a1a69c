# panels.tcl — the side panels: findings, state at the cursor, event
# details, source pane, legend.
namespace eval panels {
    variable w
    array set w {}
    variable finding ""     ;# selected finding id
    variable srcfile ""     ;# file shown in the source pane
    variable srchidden 0    ;# 1: shown with its comments hidden (a quiz not answered)
}

proc panels::create_findings {f} {
    variable w
    ttk::frame $f
    ttk::label $f.h -text "Findings (chanscope check)" -font TkHeadingFont
    ttk::treeview $f.t -columns {kind title} -show headings -height 6 -selectmode browse
    $f.t heading kind -text kind -anchor w
    $f.t heading title -text finding -anchor w
    $f.t column kind -width [expr {[font measure TkDefaultFont "partial_deadlock"] + 14}] -stretch 0
    $f.t column title -width 320
    $f.t tag configure error -foreground #b00000
    $f.t tag configure warning -foreground #9a5a00
    # the explanation scrolls: a long one never hides the fix or its end
    ttk::frame $f.xf
    text $f.x -height 8 -wrap word -font TkDefaultFont -relief flat -bg #fbfbf4 \
        -yscrollcommand [list $f.xs set]
    ttk::scrollbar $f.xs -orient vertical -command [list $f.x yview]
    $f.x tag configure b -font TkHeadingFont
    $f.x tag configure fix -font TkHeadingFont -foreground #1d5a1d
    $f.x tag configure hidden -font TkHeadingFont -foreground #505050
    pack $f.h -anchor w
    pack $f.t -fill x
    pack $f.xs -in $f.xf -side right -fill y
    pack $f.x -in $f.xf -side left -fill both -expand 1
    pack $f.xf -fill both -expand 1
    raise $f.x; raise $f.xs
    bind $f.t <<TreeviewSelect>> {panels::finding_selected}
    set w(findings) $f.t
    set w(fexplain) $f.x
    return $f
}

proc panels::load_findings {} {
    variable w
    set t $w(findings)
    $t delete [$t children {}]
    $w(fexplain) delete 1.0 end
    if {[viewer::analysis_hidden]} {
        # --no-check (or a quiz not answered yet): the findings exist but
        # are not shown; never say "No findings" then
        if {$viewer::opts(quiz)} {
            $w(fexplain) insert end "Quiz: findings hidden until you answer.\n" hidden \
                "Look at the lanes, name the bug kind and click the goroutine (its lane) or\
                 the source line to blame, then press Check."
        } else {
            $w(fexplain) insert end "Analysis hidden (--no-check).\n" hidden \
                "The findings of chanscope check are not shown: find the bug on the lanes\
                 yourself (chanscope view without --no-check shows them)."
        }
        return
    }
    foreach f [model::findings] {
        $t insert {} end -id f[dict get $f id] -values [list [dict get $f kind] [dict get $f title]] \
            -tags [dict get $f severity]
    }
    if {[llength [$t children {}]] == 0} {
        $w(fexplain) insert end "No findings: the analyzer found no deadlock, leak, race or misuse in this run."
    } else {
        $w(fexplain) insert end "Select a finding to zoom to it."
    }
}

proc panels::finding_selected {} {
    variable w
    set sel [$w(findings) selection]
    if {$sel eq ""} return
    select_finding [string range $sel 1 end] 0
}

# Select finding ID: explain it, zoom the timeline to it and highlight it.
proc panels::select_finding {id {sync 1}} {
    variable w; variable finding $id
    set f [model::finding $id]
    if {$f eq ""} { error "no finding $id" }
    if {$sync && [$w(findings) exists f$id]} {
        $w(findings) selection set f$id
        $w(findings) see f$id
    }
    # the one-line fix first, then what happened, then the longer direction
    set cul [model::culprit $id]
    set x $w(fexplain)
    $x delete 1.0 end
    set fix1 [dict get $cul fix_line]
    if {$fix1 ne ""} {
        $x insert end "Fix: " fix "$fix1" fix
        if {[dict get $cul line] ne ""} {
            $x insert end "  ([file tail [dict get $cul file]]:[dict get $cul line])"
        }
        $x insert end "\n\n"
    } elseif {[dict get $f fix] ne ""} {
        $x insert end "Fix: " fix "[dict get $f fix]\n\n"
    }
    $x insert end "[dict get $f title]\n" b
    $x insert end "[dict get $f explanation]\n"
    if {$fix1 ne "" && [dict get $f fix] ne "" && [dict get $f fix] ne $fix1} {
        $x insert end "\nHow: " b "[dict get $f fix]\n"
    }
    $x yview moveto 0
    timeline::show_finding $id
    # the cursor at the finding's last event: the state panel shows who is
    # blocked on what at that moment; the source pane the culprit line (the
    # line to change), else the finding's first event's line
    set seqs {}
    foreach {s g o role} [model::finding_refs $id] { if {$s ne ""} { lappend seqs $s } }
    if {[llength $seqs]} {
        replay::seek [tcl::mathfunc::max {*}$seqs] 0
        show_event [lindex $seqs 0]
    }
    if {[dict get $cul line] ne ""} {
        show_source [dict get $cul file] [dict get $cul line] "line to change"
    }
}

proc panels::create_state {f} {
    variable w
    ttk::frame $f
    ttk::label $f.h -text "State at the cursor" -font TkHeadingFont
    ttk::treeview $f.t -columns {g state on since} -show headings -height 10 \
        -xscrollcommand [list $f.xs set]
    ttk::scrollbar $f.xs -orient horizontal -command [list $f.t xview]
    # "blocked on" gets the room and grows to its longest text (update_state;
    # the panel then scrolls sideways): object_label's short form ("WaitGroup
    # from ab-ba-deadlock.c:95") is the longest thing in the panel
    foreach {col txt wd} {g goroutine 110 state state 80 on "blocked on" 170 since since 50} {
        $f.t heading $col -text $txt -anchor w
        $f.t column $col -width $wd -stretch [expr {$col eq "on"}]
    }
    foreach {tag col} {running #1d7a2a blocked #b00000 sleeping #707070 chan #1f4e9c} {
        $f.t tag configure $tag -foreground $col
    }
    pack $f.h -anchor w
    pack $f.xs -side bottom -fill x
    pack $f.t -fill both -expand 1
    bind $f.t <<TreeviewSelect>> {panels::state_selected}
    set w(state) $f.t
    return $f
}

# Fill the state panel for SEQ: each live goroutine's state and what it is
# blocked on, then each channel's buffer contents.
proc panels::update_state {seq} {
    variable w
    set t $w(state)
    $t delete [$t children {}]
    if {$seq eq ""} return
    # every live goroutine when there are few; else those whose lanes are in view
    set ng [timeline::g_count]
    if {$ng <= 300} {
        set states [model::state_at $seq]
    } else {
        set inview [lrange [timeline::gs_in_view] 0 299]
        set states [expr {[llength $inview] ? [model::state_at $seq 300 $inview] : {}}]
    }
    foreach d $states {
        set g [dict get $d g]
        set st [dict get $d state]
        set on ""
        if {$st eq "blocked"} {
            set on [model::waits_on [dict get $d reason] [dict get $d obj] $g [dict get $d since]]
        }
        $t insert {} end -id g$g -values [list "[dict get $d name] #$g" $st $on \
            [dict get $d since]] -tags $st
    }
    if {$ng > 300} {
        $t insert {} end -id gmore -values [list \
            "\u2026 [expr {$ng - [llength $states]}] other goroutines" \
            "" "scroll the timeline to list theirs" ""]
    }
    # every channel when there are few; else those whose lanes are in view
    # (a buffer query each: the panel must not cost one per channel of a
    # 100 000-channel trace on every step)
    set n [timeline::chan_count]
    if {$n <= 300} {
        set which {}
        for {set i 0} {$i < $n} {incr i} { lappend which $i }
    } else {
        set which [lrange [timeline::chans_in_view] 0 299]
    }
    foreach i $which {
        set ch [timeline::chan_dict $i]
        set id [dict get $ch id]
        if {[dict get $ch create_seq] > $seq} continue
        set vals {}
        foreach {slot v hasv} [model::buffer_at $id $seq [dict get $ch cap]] {
            lappend vals [expr {$hasv ? $v : "\u25a0"}]
        }
        set closed ""
        foreach cs [dict get $ch close_seqs] { if {$cs <= $seq} { set closed " closed" } }
        set cap [dict get $ch cap]
        # "chan jobs", or for an unnamed one its label ("channel from x.c:12")
        set lbl [dict get $ch label]
        if {$lbl eq "[dict get $ch name][model::chan_tag $id]"} { set lbl "chan $lbl" }
        $t insert {} end -id ch$id -tags chan -values [list $lbl \
            "[llength $vals]/$cap$closed" "\[[join $vals { }]\]" ""]
    }
    if {[llength $which] < $n} {
        $t insert {} end -id chmore -tags chan -values [list \
            "\u2026 [expr {$n - [llength $which]}] more channels" \
            "" "scroll the timeline to list theirs" ""]
    }
    fit_on_column
}
# The "blocked on" column as wide as its longest text (at least its
# default): nothing is cut off, the panel scrolls sideways instead.
proc panels::fit_on_column {} {
    variable w
    set t $w(state)
    set wd 170; set wg 110
    foreach i [$t children {}] {
        set v [$t item $i -values]
        set wd [expr {max($wd, [font measure TkDefaultFont [lindex $v 2]] + 16)}]
        # goroutine names too ("stage_worker #12"), not the "… more" rows
        if {[string match g* $i] && $i ne "gmore"} {
            set wg [expr {max($wg, [font measure TkDefaultFont [lindex $v 0]] + 12)}]
        }
    }
    $t column g -width [expr {min($wg, 220)}]
    $t column on -width $wd -minwidth $wd
}
proc panels::state_selected {} {
    variable w
    set sel [$w(state) selection]
    if {[regexp {^g(\d+)$} $sel -> g]} { timeline::select_g $g }
}

proc panels::create_details {f} {
    variable w
    ttk::frame $f
    ttk::label $f.h -text "Selection" -font TkHeadingFont
    text $f.x -height 8 -width 40 -wrap word -font TkFixedFont -relief flat -bg #f8f8f8
    pack $f.h -anchor w
    pack $f.x -fill both -expand 1
    set w(details) $f.x
    return $f
}

proc panels::create_source {f} {
    variable w
    ttk::frame $f
    ttk::label $f.h -text "Source" -font TkHeadingFont
    text $f.x -height 8 -wrap none -font TkFixedFont -relief flat -bg white \
        -yscrollcommand [list $f.s set]
    scrollbar $f.s -command [list $f.x yview]
    $f.x tag configure cur -background #ffe27a
    $f.x tag configure ln -foreground #909090
    grid $f.h - -sticky w
    grid $f.x $f.s -sticky nsew
    grid rowconfigure $f 1 -weight 1
    grid columnconfigure $f 0 -weight 1
    set w(source) $f.x
    set w(srchead) $f.h
    bind $f.x <ButtonRelease-1> {panels::source_clicked %x %y}
    return $f
}

# A click on a source line: in a quiz, that line is the one blamed.
proc panels::source_clicked {x y} {
    variable w; variable srcfile
    if {$srcfile eq "" || ![info exists ::viewer::opts(quiz)] || !$::viewer::opts(quiz)} return
    set line [lindex [split [$w(source) index @$x,$y] .] 0]
    $w(source) tag remove cur 1.0 end
    $w(source) tag add cur $line.0 "$line.0 lineend + 1c"
    quiz::blame_line $srcfile $line
}

# Show FILE (as recorded in sites) with LINE highlighted; WHY (if any) is
# said in the pane's heading ("line to change").
proc panels::show_source {file line {why ""}} {
    variable w; variable srcfile; variable srchidden
    set x $w(source)
    set p [model::source_path $file]
    if {$p ne $srcfile || $srchidden != [quiz_hides_comments]} {
        set srchidden [quiz_hides_comments]
        $x configure -state normal
        $x delete 1.0 end
        if {$p eq ""} {
            $x insert end "(source $file not found)"
        } else {
            set fh [open $p]; set text [read $fh]; close $fh
            set mark [insert_source $x $text [quiz_hides_comments]]
            # the code, not the empty place of a hidden header comment
            if {$mark > 1} { $x yview [expr {$mark - 1}].0 }
        }
        set srcfile $p
        $x configure -state disabled
    }
    $w(srchead) configure -text "Source: $file[expr {$line ne "" ? ":$line" : ""}][expr {$why ne "" ? " \u2014 $why" : ""}]"
    $x tag remove cur 1.0 end
    if {$p ne "" && $line ne ""} {
        $x tag add cur $line.0 "$line.0 lineend + 1c"
        $x see $line.0
    }
}

# A quiz not answered yet shows the program without its comments: the
# catalog's comments tell the bug ("MISUSE: ...", "// BUG: ...", "// never
# happens"), and the learner is to find it from the run.  Line numbers stay
# (a line is blamed by its number); the reveal shows the comments again.
proc panels::quiz_hides_comments {} {
    return [expr {[info exists ::viewer::opts(quiz)] && $::viewer::opts(quiz)
                  && !$quiz::answered}]
}

# Insert TEXT into the text widget X, numbered; HIDE: its C comments
# replaced by a grey "⋯" (on the last line of a run of comment lines; the
# first such mark says why).  Returns the line of that first mark (0: none).
proc panels::insert_source {x text hide} {
    $x tag configure hidden -foreground #a0a0a0
    if {$hide} {
        lassign [strip_comments $text] text marks
    } else {
        set marks {}
    }
    set lines [split $text \n]
    set first 0
    set n 0
    foreach l $lines {
        incr n
        $x insert end [format "%4d  " $n] ln
        if {[dict exists $marks $n]} {
            set blank [expr {[string trim $l] eq ""}]
            $x insert end [string trimright $l]
            # a run of blank lines (a comment block) is marked once, at its end
            set next [expr {[dict exists $marks [expr {$n + 1}]]
                            && [string trim [lindex $lines $n]] eq ""}]
            if {!$blank || !$next} {
                $x insert end [expr {$blank ? "" : "  "}] {} \
                    [expr {$first ? "\u22ef" : "\u22ef (comments hidden until you answer)"}] hidden
                if {!$first} { set first $n }
            }
            $x insert end \n
        } else {
            $x insert end "$l\n"
        }
    }
    return $first
}

# C source TEXT with every comment's characters removed (newlines kept, so
# that line numbers do not move); strings and character constants are left
# alone.  Returns {text lines}: LINES a dict of the line numbers that had a
# comment.
proc panels::strip_comments {text} {
    set out ""
    set marks [dict create]
    set line 1
    set n [string length $text]
    set st code
    set i 0
    while {$i < $n} {
        set ch [string index $text $i]
        set nx [string index $text [expr {$i + 1}]]
        switch $st {
            code {
                if {$ch eq "/" && $nx eq "*"} {
                    set st block; dict set marks $line 1; incr i 2; continue
                } elseif {$ch eq "/" && $nx eq "/"} {
                    set st line; dict set marks $line 1; incr i 2; continue
                } elseif {$ch eq "\""} { set st str } elseif {$ch eq "'"} { set st chr }
                append out $ch
            }
            str - chr {
                append out $ch
                if {$ch eq "\\"} {
                    append out $nx
                    if {$nx eq "\n"} { incr line }
                    incr i 2; continue
                }
                if {($st eq "str" && $ch eq "\"") || ($st eq "chr" && $ch eq "'")
                    || $ch eq "\n"} { set st code }
            }
            block {
                if {$ch eq "*" && $nx eq "/"} { set st code; incr i 2; continue }
                if {$ch eq "\n"} { append out \n; incr line; dict set marks $line 1 }
            }
            line {
                if {$ch eq "\n"} { append out \n; set st code }
            }
        }
        if {$ch eq "\n" && $st ne "block"} { incr line }
        incr i
    }
    return [list $out $marks]
}

# Details of event SEQ (and its source line).
proc panels::show_event {seq} {
    variable w
    set e [model::event $seq]
    if {$e eq ""} return
    set x $w(details)
    $x delete 1.0 end
    $x insert end "event #[dict get $e seq]  [dict get $e kname]\n"
    $x insert end "goroutine  [model::goroutine_name [dict get $e g]]\n"
    $x insert end "time       [timeline::fmt_ns [dict get $e t_ns]]\n"
    if {[dict get $e obj] ne ""} {
        if {[dict get $e kind] == $::trace::EV(go_create)} {
            $x insert end "child      [model::goroutine_name [dict get $e obj]]\n"
        } else {
            $x insert end "object     [model::object_label [dict get $e obj] typed]\n"
        }
    }
    $x insert end [describe $e]
    if {[dict get $e s] ne ""} { $x insert end "text       [dict get $e s]\n" }
    # the runtime's own events have no real site ("?", line 0)
    if {[dict get $e file] ni {"" "?"} && [dict get $e line] > 0} {
        $x insert end "site       [dict get $e file]:[dict get $e line]\n"
        show_source [dict get $e file] [dict get $e line]
    }
}

# A kind-specific line explaining an event's arguments.
proc panels::describe {e} {
    dict with e {}
    if {![info exists ::trace::KIND($kind)]} { return "" }
    switch -- $::trace::KIND($kind) {
        go_block {
            if {[dict exists $model::reasons $a]} {
                return "why        [dict get $model::reasons $a]\n"
            }
        }
        go_unblock { return "woken by   [model::goroutine_name $a]\n" }
        go_sleep { return "sleeps     [timeline::fmt_ns $a]\n" }
        chan_send - chan_recv {
            set how [expr {$b eq "" || $b < 0 ? "direct hand-off" : "buffer slot $b"}]
            if {$kind == $::trace::EV(chan_recv) && $a == 0} { return "received   the close (ok=false)\n" }
            set v [expr {($d ne "" && ($d & $::trace::EVF(value))) ? " value $c" : ""}]
            return "message    #$a, $how$v\n"
        }
        wg_add { return "delta      $a, counter now $b\n" }
        panic - misuse {
            if {$a ne "" && [dict exists $model::misuses $a]} {
                return "misuse     [dict get $model::misuses $a]\n"
            }
        }
        program_end { return "exit       $a\n" }
    }
    return ""
}

# A goroutine was selected (optionally at an event).
proc panels::show_selection {g seq} {
    variable w
    if {$seq ne ""} { show_event $seq; return }
    set x $w(details)
    $x delete 1.0 end
    foreach d [model::goroutines] {
        if {[dict get $d id] != $g} continue
        $x insert end "goroutine  [dict get $d name] #$g\n"
        $x insert end "parent     [model::goroutine_name [dict get $d parent]]\n"
        $x insert end "created    event #[dict get $d create_seq]\n"
        set es [dict get $d end_seq]
        $x insert end [expr {$es eq "" ? "ended      never: alive when the program ended\n" :
                             "ended      event #$es\n"}]
        set s [model::site [dict get $d site]]
        if {$s ne ""} {
            $x insert end "go at      [join $s :]\n"
            show_source {*}$s
        }
    }
}

# Legend: row 1 the state palette, row 2 the markers and arrows.
proc panels::create_legend {f} {
    ttk::frame $f
    canvas $f.c -height 58 -bg #f4f4f4 -highlightthickness 0
    pack $f.c -fill x
    set c $f.c
    set font TkSmallCaptionFont
    set x 6; set y 10
    $c create text $x $y -anchor w -text "states:" -font TkHeadingFont
    set x0 [expr {12 + max([font measure TkHeadingFont "states:"], [font measure TkHeadingFont "marks:"])}]
    set x $x0
    foreach {key text} $timeline::legend {
        $c create rectangle $x [expr {$y - 6}] [expr {$x + 16}] [expr {$y + 6}] -fill \
            [timeline::color [expr {$key in {running sleeping} ? $key : "blocked"}] $key] \
            -outline "" -tags legend
        $c create text [expr {$x + 20}] $y -anchor w -text $text -font $font
        incr x [expr {30 + [font measure $font $text]}]
    }
    $c create rectangle $x [expr {$y - 6}] [expr {$x + 16}] [expr {$y + 6}] -fill #8a5a9a \
        -stipple gray50 -outline ""
    $c create text [expr {$x + 20}] $y -anchor w -text "many small spans merged (zoom in)" -font $font
    set x 6; set y 29
    $c create text $x $y -anchor w -text "marks:" -font TkHeadingFont
    set x [expr {max($x0, 12 + [font measure TkHeadingFont "marks:"])}]
    $c create line $x [expr {$y - 7}] $x [expr {$y + 7}] -width 3 -fill #202020
    set t "goroutine ended"
    $c create text [expr {$x + 5}] $y -anchor w -text $t -font $font
    incr x [expr {20 + [font measure $font $t]}]
    $c create rectangle $x [expr {$y - 6}] [expr {$x + 16}] [expr {$y + 6}] -fill #f58231 \
        -outline #b00000 -width 2
    set t "\u2716 leaked: still blocked when the program ended"
    $c create text [expr {$x + 20}] $y -anchor w -fill #c00000 -font $font -text $t
    incr x [expr {36 + [font measure $font $t]}]
    foreach {col dash text} {#1f4e9c {} "send\u2192receive" #2e7d32 {} "spawn"
        #c62828 {4 2} "unlock\u2192lock" #ad1457 {4 2} "done\u2192wait"} {
        $c create line $x $y [expr {$x + 24}] $y -arrow last -fill $col -dash $dash -width 1.5
        $c create text [expr {$x + 28}] $y -anchor w -text $text -font $font
        incr x [expr {40 + [font measure $font $text]}]
    }
    $c create rectangle $x [expr {$y - 4}] [expr {$x + 20}] [expr {$y + 3}] -fill #9ec5ff \
        -outline #4a6fa5
    set t "value in a channel buffer"
    $c create text [expr {$x + 24}] $y -anchor w -text $t -font $font
    incr x [expr {36 + [font measure $font $t]}]
    $c create line $x [expr {$y - 7}] $x [expr {$y + 7}] -width 3 -fill #000000
    $c create text [expr {$x + 5}] $y -anchor w -text "close" -font $font
    incr x [expr {20 + [font measure $font "close"]}]
    $c create line $x [expr {$y - 7}] $x [expr {$y + 7}] -width 2 -fill #d00000
    $c create text [expr {$x + 5}] $y -anchor w -text "now (replay cursor)" -font $font
    # row 3: locks held, shared variables, timers and contexts
    set x 6; set y 48
    $c create text $x $y -anchor w -text "locks:" -font TkHeadingFont
    set x $x0
    foreach {kind text} {write "holds the lock (Lock)" read "read-holds it (RLock)"} {
        if {$kind eq "write"} {
            $c create rectangle $x [expr {$y - 4}] [expr {$x + 24}] [expr {$y + 4}] -fill #b71c1c \
                -outline "" -tags legend
        } else {
            $c create rectangle $x [expr {$y - 4}] [expr {$x + 24}] [expr {$y + 4}] -fill #ffd6dc \
                -outline #c62828 -dash {3 2} -tags legend
        }
        $c create text [expr {$x + 28}] $y -anchor w -text $text -font $font
        incr x [expr {40 + [font measure $font $text]}]
    }
    foreach {kind text} {write "write to a shared variable" read "read of one"} {
        set pts [list [expr {$x}] [expr {$y - 5}] [expr {$x + 10}] [expr {$y - 5}] \
                     [expr {$x + 5}] [expr {$y + 4}]]
        if {$kind eq "write"} {
            $c create polygon $pts -fill #e65100 -outline #7f2b00 -tags legend
        } else {
            $c create polygon $pts -fill #ffffff -outline #e65100 -width 1.5 -tags legend
        }
        $c create text [expr {$x + 14}] $y -anchor w -text $text -font $font
        incr x [expr {28 + [font measure $font $text]}]
    }
    $c create polygon [expr {$x}] [expr {$y - 4}] [expr {$x + 8}] [expr {$y - 4}] \
        [expr {$x + 4}] [expr {$y + 2}] -fill #546e7a -outline "" -tags legend
    set t "timer/ticker fired (on its channel)"
    $c create text [expr {$x + 12}] $y -anchor w -text $t -font $font
    incr x [expr {26 + [font measure $font $t]}]
    foreach {col t} {#37474f "ticker/timer stopped" #ef6c00 "context cancelled"} {
        $c create line $x [expr {$y - 7}] $x [expr {$y + 7}] -width 3 -fill $col
        $c create text [expr {$x + 5}] $y -anchor w -text $t -font $font
        incr x [expr {20 + [font measure $font $t]}]
    }
    $c create polygon [expr {$x - 4}] [expr {$y + 4}] [expr {$x + 4}] [expr {$y + 4}] \
        $x [expr {$y - 4}] -fill #f032e6 -outline #7a1273 -tags legend
    $c create text [expr {$x + 7}] $y -anchor w -text "WaitGroup Add / Done" -font $font
    return $f
}
