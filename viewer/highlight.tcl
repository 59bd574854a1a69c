# highlight.tcl — drawing a selected finding on the timeline (part of the
# timeline namespace): a banner with its title, a band behind every lane it
# involves, and per kind:
#   deadlock   the wait-for graph: each blocked goroutine's stuck operation,
#              a caption right of the program end, arrows to what it waits for
#   leak       the leaked lane outlined from its stuck operation to the end
#   race       the two accesses joined by a red link, "no happens-before path"
#   misuse     a star at the panic, linked to what led to it (the close)
# Everything drawn here carries the canvas tag "hl".

# Select finding ID: zoom to what it refers to and highlight it.
proc timeline::show_finding {id} {
    variable hl
    set f [model::finding $id]
    if {$f eq ""} { set hl {}; schedule; return }
    set refs [model::finding_refs $id]
    set hl [dict create id $id kind [dict get $f kind] title [dict get $f title] refs $refs]
    set seqs {}
    set gs {}
    foreach {s g o role} $refs {
        if {$s ne ""} { lappend seqs $s }
        if {$g ne ""} { lappend gs $g }
    }
    # make sure every lane involved is visible: expand its ancestors
    foreach g $gs { reveal $g }
    set kind [dict get $f kind]
    if {$kind eq "leak"} {
        # from the leaked goroutine's birth: how it got stuck
        foreach g $gs {
            set cs [model::db onecolumn {SELECT create_seq FROM goroutines WHERE id=$g}]
            if {$cs ne ""} { lappend seqs $cs }
        }
    }
    if {[llength $seqs]} {
        set lo [tcl::mathfunc::min {*}$seqs]
        set hi [tcl::mathfunc::max {*}$seqs]
        set lo [expr {max(1, $lo - max(3, ($hi - $lo) / 2))}]
        if {$kind in {leak deadlock partial_deadlock}} {
            # to the end of the run, with ~440 px on the right for the captions
            variable axis
            set W [width]
            set room [expr {min(0.6 * $W, 440.0)}]
            if {$axis eq "ns"} {
                set a [model::ns_of_seq $lo]; set e $model::maxns
            } else {
                set a $lo; set e $model::maxseq
            }
            set a [expr {$a - ($e - $a) * 0.05}]
            zoom_to $a [expr {$a + ($e - $a) * $W / ($W - $room)}]
        } else {
            zoom_seqs $lo $hi
        }
    }
    if {[llength $gs]} {
        # its first goroutine becomes the selection: its arrows are drawn
        variable sel_g [lindex $gs 0]
        scroll_to_g [lindex $gs 0]
    }
    schedule
}

proc timeline::draw_highlight {} {
    variable hl; variable c; variable laney
    if {$hl eq ""} return
    set kind [dict get $hl kind]
    set refs [dict get $hl refs]
    set W [width]
    # involved lanes: a band behind their spans
    foreach {s g o role} $refs {
        if {$g eq "" || ![info exists laney(g$g)]} continue
        set y $laney(g$g)
        set id [$c create rectangle -10 [expr {$y - 11}] [expr {$W + 10}] [expr {$y + 11}] \
                    -fill #ffe0e0 -outline "" -tags [list hl hlband g$g]]
        catch {$c raise $id "lane&&g$g"}
    }
    switch -- $kind {
        deadlock - partial_deadlock { hl_cycle $refs }
        leak { hl_leak $refs }
        race { hl_race $refs }
        lock_order { hl_lockorder $refs }
        panic - misuse { hl_panic $refs }
        default { hl_points $refs }
    }
    $c create rectangle 0 0 $W 20 -fill #fff1b8 -outline #c09000 -tags {hl banner}
    $c create text 6 10 -anchor w -font TkHeadingFont -fill #7a0000 -tags {hl banner} \
        -text "[string toupper [string map {_ " "} $kind]]: [dict get $hl title]"
}

# Deadlock: for each blocked goroutine, an arrow to the goroutine that holds
# (or would have to act on) what it waits for: the wait-for cycle.
proc timeline::hl_cycle {refs} {
    variable c; variable laney
    set holders {}
    foreach {s g o role} $refs {
        if {$role eq "holder" && $o ne "" && $g ne ""} { dict set holders $o $g }
    }
    # blocked goroutine -> {seq obj}
    set blocked [dict create]
    foreach {s g o role} $refs {
        if {$role in {cycle blocked waiter wait} && $g ne "" && ![dict exists $blocked $g]} {
            dict set blocked $g [list $s $o]
        }
    }
    set order [dict keys $blocked]
    set i 0
    set waits {}
    dict for {g so} $blocked {
        lassign $so s o
        incr i
        if {![info exists laney(g$g)]} continue
        set x [cx [expr {$s ne "" ? [sx $s] : [sx $model::maxseq]}]]
        set y $laney(g$g)
        $c create oval [expr {$x - 7}] [expr {$y - 7}] [expr {$x + 7}] [expr {$y + 7}] \
            -outline #d00000 -width 3 -tags [list hl hlpoint]
        # who it waits for: the holder of the lock, or (channel) the
        # goroutines still alive that use the channel
        set hs {}
        if {$o ne "" && [dict exists $holders $o]} { set hs [list [dict get $holders $o]] }
        set otype [model::object_type $o]
        if {![llength $hs] && $o ne "" && $s ne "" && $otype in {mutex rwmutex}} {
            set hs [model::mutex_holder $o $s]
        }
        set sp [model::span_at $g [expr {$s ne "" ? $s : $model::maxseq}]]
        set op [expr {[lindex $sp 1] ne "" ? [lindex $sp 1] : "wait"}]
        if {$otype eq "chan"} {
            if {![llength $hs]} { set hs [model::chan_partners $o $g] }
            set what "blocked: $op [model::object_name $o]"
        } else {
            set what "waits for [model::object_name $o]"
            if {[llength $hs]} { append what ", held by [model::goroutine_name [lindex $hs 0]]" }
        }
        lappend waits $g $x $y $hs $what
    }
    # the wait-for graph right of the program end: a caption per blocked
    # goroutine on its lane, and a loop of arrows from each to its holder
    set xc [expr {[cx [sx $model::maxseq]] + 150}]
    set left $xc
    set caps {}
    foreach {g x y hs what} $waits {
        set t [caption $xc $y w "[model::goroutine_name $g] $what"]
        $c addtag waitfor withtag $t
        set left [expr {min($left, [lindex [$c bbox $t] 0])}]
    }
    set k 0
    foreach {g x y hs what} $waits {
        $c create line [expr {$x + 7}] $y [expr {$left - 4}] $y -fill #d00000 -dash {2 3} \
            -tags [list hl waitfor]
        foreach h $hs {
        if {![info exists laney(g$h)]} continue
        set yh $laney(g$h)
        set bulge [expr {-(24 + 0.35 * abs($yh - $y)) - 12 * ($k % 3)}]
        set dy [expr {$yh > $y ? 5 : -5}]
        $c create line [expr {$left - 4}] [expr {$y + $dy}] [expr {$left + $bulge}] \
            [expr {($y + $yh) / 2.0}] [expr {$left - 4}] [expr {$yh - $dy}] -smooth 1 \
            -arrow last -width 3 -fill #d00000 -arrowshape {10 12 5} -tags [list hl waitfor]
        incr k
        }
    }
}

proc timeline::caption {x y anchor text {font TkHeadingFont}} {
    variable c
    set t [$c create text $x $y -anchor $anchor -text $text -fill #a00000 -font $font \
               -tags {hl caption}]
    set bb [$c bbox $t]
    if {[lindex $bb 2] > [width] - 2} {
        $c move $t [expr {[width] - 2 - [lindex $bb 2]}] 0
        set bb [$c bbox $t]
    }
    if {[lindex $bb 0] < 2} {
        $c move $t [expr {2 - [lindex $bb 0]}] 0
        set bb [$c bbox $t]
    }
    lassign $bb x0 y0 x1 y1
    set r [$c create rectangle [expr {$x0 - 3}] [expr {$y0 - 1}] [expr {$x1 + 3}] [expr {$y1 + 1}] \
               -fill #ffffff -outline #d00000 -tags {hl caption hlbox}]
    $c raise $t $r
    return $t
}

proc timeline::hl_leak {refs} {
    variable c; variable laney
    foreach {s g o role} $refs {
        if {$g eq "" || ![info exists laney(g$g)]} continue
        set y $laney(g$g)
        set sp [model::span_at $g $model::maxseq]
        lassign $sp st rs ob ss
        if {$s eq ""} { set s $ss }
        if {$s eq ""} {
            # no event and no span: the goroutine never ran; mark its lane
            set s [model::db onecolumn {SELECT create_seq FROM goroutines WHERE id=$g}]
        }
        if {$s eq ""} continue
        if {$o eq ""} { set o $ob }
        set x0 [cx [sx $s]]; set x1 [cx [sx $model::maxseq]]
        $c create rectangle $x0 [expr {$y - 10}] $x1 [expr {$y + 10}] -outline #d00000 \
            -width 3 -tags [list hl leakband]
        set e [model::event $s]
        set where ""
        if {[dict exists $e file] && [dict get $e file] ne ""} {
            set where " at [file tail [dict get $e file]]:[dict get $e line]"
        }
        set what [expr {$rs ne "" ? "$rs [model::object_name $o]" : $st}]
        caption [expr {$x0 + 6}] [expr {$y - 12}] sw \
            "leaked: stuck on $what$where until the program ended"
    }
}

proc timeline::hl_race {refs} {
    variable c; variable laney
    set pts {}
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set x [cx [sx $s]]; set y $laney(g$g)
        lappend pts $x $y
        $c create oval [expr {$x - 8}] [expr {$y - 8}] [expr {$x + 8}] [expr {$y + 8}] \
            -outline #e00000 -fill #ffd0d0 -width 3 -tags [list hl hlpoint]
        set e [model::event $s]
        set lbl "[string map {var_ {}} [dict get $e kname]] [model::object_name $o]"
        if {[dict get $e file] ne ""} {
            append lbl " ([file tail [dict get $e file]]:[dict get $e line])"
        }
        caption [expr {$x - 10}] $y e $lbl TkSmallCaptionFont
    }
    if {[llength $pts] >= 4} {
        lassign $pts x1 y1 x2 y2
        set l [$c create line $x1 $y1 $x2 $y2 -fill #e00000 -width 4 -tags [list hl racelink]]
        $c lower $l hlpoint
        $c addtag racelink withtag [caption [expr {($x1 + $x2) / 2}] \
            [expr {max($y1, $y2) + 30}] n \
            "RACE: no happens-before path joins these two accesses"]
    }
}

proc timeline::hl_panic {refs} {
    variable c; variable laney
    set px ""; set py ""
    set others {}
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set x [cx [sx $s]]; set y $laney(g$g)
        set e [model::event $s]
        if {$role in {panic misuse} || [dict get $e kind] in {53 56}} {
            set px $x; set py $y
            set pts {}
            for {set i 0} {$i < 10} {incr i} {
                set r [expr {$i % 2 ? 5 : 12}]
                set a [expr {$i * 3.14159265 / 5}]
                lappend pts [expr {$x + $r * sin($a)}] [expr {$y - $r * cos($a)}]
            }
            $c create polygon $pts -fill #ff2020 -outline #600000 -tags [list hl panicmark]
            set msg [dict get $e s]
            if {$msg eq "" && [dict get $e kind] == 56} { set msg "misuse" }
            set where ""
            if {[dict get $e file] ne ""} {
                set where " at [file tail [dict get $e file]]:[dict get $e line]"
            }
            $c addtag panicmark withtag [caption [expr {$x + 4}] [expr {$y + 16}] nw \
                "panic: $msg$where"]
        } else {
            $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
                -outline #d00000 -width 2 -tags [list hl hlpoint]
            caption [expr {$x - 4}] [expr {$y - 10}] se \
                "[string map {_ " "} [dict get $e kname]] [model::object_name $o]" TkSmallCaptionFont
            lappend others $x $y
        }
    }
    # what led to it (the close, ...) linked to the panic
    if {$px ne ""} {
        foreach {x y} $others {
            $c create line $x $y $px $py -dash {6 3} -fill #d00000 -width 2 -tags [list hl]
        }
    }
}

proc timeline::hl_points {refs} {
    variable c; variable laney
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set x [cx [sx $s]]; set y $laney(g$g)
        $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
            -outline #d00000 -width 3 -tags [list hl hlpoint]
        $c create text [expr {$x + 8}] [expr {$y - 8}] -anchor sw -fill #a00000 \
            -font TkSmallCaptionFont -tags [list hl] \
            -text [string trim "$role [model::object_name $o]"]
        # lock order: each "holding" leads to the following "acquiring"
        if {$role eq "holding"} { set hold [list $x $y] }
        if {$role eq "acquiring" && [info exists hold]} {
            $c create line {*}$hold $x $y -arrow last -width 2 -fill #d00000 -dash {6 3} \
                -tags [list hl lockorder]
            unset hold
        }
    }
}

# Lock order (a deadlock that did not happen this run): for each goroutine,
# the lock it held and the lock it then took; a red link from each "took X"
# to where another goroutine held X: the cycle that could deadlock.
proc timeline::hl_lockorder {refs} {
    variable c; variable laney
    set held {}
    set pts {}
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set x [cx [sx $s]]; set y $laney(g$g)
        $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
            -outline #d00000 -width 3 -tags [list hl hlpoint]
        if {$role eq "holding"} {
            caption [expr {$x - 8}] [expr {$y + 10}] ne "holds [model::object_name $o]" \
                TkSmallCaptionFont
            dict lappend held $o [list $g $x $y]
        } else {
            caption [expr {$x + 8}] [expr {$y - 10}] sw "then locks [model::object_name $o]" \
                TkSmallCaptionFont
        }
        lappend pts $s $g $o $role $x $y
    }
    foreach {s g o role x y} $pts {
        if {$role ne "acquiring" || ![dict exists $held $o]} continue
        foreach h [dict get $held $o] {
            lassign $h hg hx hy
            if {$hg == $g} continue
            $c create line $x $y $hx $hy -arrow last -width 3 -fill #d00000 -dash {6 3} \
                -tags [list hl lockorder]
        }
    }
}
