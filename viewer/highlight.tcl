# highlight.tcl — drawing a selected finding on the timeline (part of the
# timeline namespace): a banner with its title, a band behind every lane it
# involves, and per kind:
#   deadlock   the wait-for graph: each blocked goroutine's stuck operation,
#              a caption right of the program end, arrows to what it waits for
#   leak       the leaked lane outlined from its stuck operation to the end
#   race       the two accesses joined by a red link, "no happens-before path"
#              (a race-build race: race_prev's access on its own goroutine)
#   misuse     a star at the panic, linked to what led to it (the close)
# Everything drawn here carries the canvas tag "hl".

# Select finding ID: zoom to what it refers to and highlight it.
proc timeline::show_finding {id} {
    variable hl
    if {[viewer::analysis_hidden]} { set hl {}; schedule; return }
    set f [model::finding $id]
    if {$f eq ""} { set hl {}; schedule; return }
    set refs [model::finding_refs $id]
    set hl [dict create id $id kind [dict get $f kind] title [dict get $f title] refs $refs]
    set seqs {}
    set gs {}
    foreach {s g o role} $refs {
        if {$s ne ""} {
            lappend seqs $s
            # a race build's earlier access is drawn before its race_prev
            if {[dict get $f kind] eq "race"} { lappend seqs [model::race_prev_seq $s] }
        }
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
            if {$kind ne "leak"} {
                # the widest wait-for caption, the end-of-run marks and the arrows
                set maxw 0
                set ws [lindex [cycle_waits $refs] 1]
                set font [cycle_font [expr {[llength $ws] / 4}]]
                foreach {g s hs what} $ws {
                    set maxw [expr {max($maxw, [font measure $font $what])}]
                }
                set room [expr {min(0.7 * $W, $maxw + 200.0)}]
            }
            if {$axis eq "ns"} {
                set a [model::ns_of_seq $lo]; set e $model::maxns
            } else {
                set a $lo; set e $model::maxseq
            }
            set a [expr {$a - ($e - $a) * 0.05}]
            zoom_to $a [expr {$a + ($e - $a) * $W / ($W - $room)}]
        } elseif {$kind eq "lock_order"} {
            # room on the right for the captions and the cycle
            zoom_seqs $lo [expr {$hi + ($hi - $lo) * 1.3 + 6}]
        } else {
            # some room after the last event for its caption
            zoom_seqs $lo [expr {$hi + max(3, ($hi - $lo) / 3)}]
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
    if {$hl eq "" || [viewer::analysis_hidden]} return
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
        -text [banner_text $kind [dict get $hl title]]
}

# "DEADLOCK: all goroutines are asleep", not "DEADLOCK: deadlock: all ...".
proc timeline::banner_text {kind title} {
    set k [string map {_ " "} $kind]
    if {[string match -nocase "$k: *" $title]} { set title [string range $title [string length "$k: "] end] }
    return "[string toupper $k]: $title"
}

# The blocked goroutines of a deadlock finding: a dict g -> {seq obj} and a
# list g seq holders caption (who it waits for, what the caption says).
proc timeline::cycle_waits {refs} {
    variable hl
    set wakers [expr {[dict exists $hl id] ? [model::wakers [dict get $hl id]] : {}}]
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
    set waits {}
    dict for {g so} $blocked {
        lassign $so s o
        # who it waits for: the holder of the lock, or (channel) the
        # goroutines still alive that could take the other end
        set hs {}
        if {$o ne "" && [dict exists $holders $o]} { set hs [list [dict get $holders $o]] }
        set otype [model::object_type $o]
        if {![llength $hs] && $o ne "" && $s ne "" && $otype in {mutex rwmutex}} {
            # who holds it, as the analyzer stored it (finding_holds); a
            # trace checked before that table: the last acquirer's events
            if {[model::has_table finding_holds] && [dict exists $hl id]} {
                set hs [model::finding_holders [dict get $hl id] $o]
            } else {
                set hs [model::mutex_holder $o $s]
            }
        }
        set sp [model::span_at $g [expr {$s ne "" ? $s : $model::maxseq}]]
        set op [expr {[lindex $sp 1] ne "" ? [lindex $sp 1] : "wait"}]
        set name [model::goroutine_name $g]
        if {$otype eq "chan"} {
            # who could still wake it, as the analyzer stored it (no row:
            # nobody); a trace checked before finding_wakers existed: the
            # goroutines still alive that used the other end
            if {![llength $hs] && [model::has_table finding_wakers]} {
                if {[dict exists $wakers $g]} { set hs [dict get $wakers $g] }
            } elseif {![llength $hs]} {
                set hs [model::chan_partners $o $g $op]
            }
            set verb [dict get {send "waits to send on" recv "waits to receive from"} \
                          [expr {$op in {send recv} ? $op : "send"}]]
            if {$op ni {send recv}} { set verb [expr {$op eq "select" ? "waits in a select on" : "waits ($op) on"}] }
            set what "$name $verb [model::object_label $o]"
            if {[llength $hs]} {
                set act [expr {$op eq "recv" ? "send" : $op eq "send" ? "receive" : "wake it"}]
                append what ": only [short_names $hs] could $act"
            } else {
                append what [dict get {send ": nobody has received from it" recv ": nobody has sent on it"} \
                    [expr {$op in {send recv} ? $op : "send"}]]
                if {$op ni {send recv}} { set what "[model::goroutine_name $g] $verb [model::object_label $o]" }
            }
        } elseif {$o ne ""} {
            set what "$name waits for [model::object_label $o]"
            if {[llength $hs]} { append what ", held by [model::goroutine_name [lindex $hs 0]]" }
        } else {
            set what "$name: $op"
        }
        lappend waits $g $s $hs $what
    }
    return [list $blocked $waits]
}

# Wait-for captions: bold for a few goroutines, smaller for more.
proc timeline::cycle_font {n} {
    return [expr {$n > 3 ? "TkSmallCaptionFont" : "TkHeadingFont"}]
}

# "worker #3, #4, #5, main #1" for goroutines 3 4 5 1 (at most 4 named).
proc timeline::short_names {gs} {
    set out {}; set last ""
    foreach n [lsort -dictionary [lmap g [lrange $gs 0 3] {model::goroutine_name $g}]] {
        regexp {^(.*) (#\d+)$} $n - base num
        if {[info exists base] && $base eq $last} { lappend out $num } else { lappend out $n }
        set last [expr {[info exists base] ? $base : ""}]
        unset -nocomplain base num
    }
    if {[llength $gs] > 4} { lappend out "+[expr {[llength $gs] - 4}] more" }
    return [join $out ", "]
}

# Deadlock: for each blocked goroutine, its stuck operation circled, a
# caption right of the program end saying what it waits for and who could
# end the wait, and arrows between the captions: the wait-for graph (one
# double-headed arrow when two goroutines wait for each other).  Where a
# lock is involved, the acquire of each held lock is marked too.
proc timeline::hl_cycle {refs} {
    variable c; variable laney
    set holders {}
    foreach {s g o role} $refs {
        if {$role eq "holder" && $o ne "" && $g ne ""} {
            dict set holders $o $g
            if {$s ne "" && [info exists laney(g$g)]} {
                set x [cx [sx $s]]; set y $laney(g$g)
                $c create oval [expr {$x - 5}] [expr {$y - 5}] [expr {$x + 5}] [expr {$y + 5}] \
                    -outline #d00000 -width 2 -tags [list hl hlpoint holder]
                # the lock band under the lane already says "holds A.mu":
                # no callout over the lane above then
                variable lockband
                if {!$lockband} {
                    caption [expr {$x + 2}] [expr {$y - 7}] sw "locked [model::object_label $o]" \
                        TkSmallCaptionFont
                }
            }
        }
    }
    lassign [cycle_waits $refs] blocked waits0
    set waits {}
    foreach {g s hs what} $waits0 {
        if {![info exists laney(g$g)]} continue
        set x [cx [expr {$s ne "" ? [sx $s] : [sx $model::maxseq]}]]
        set y $laney(g$g)
        $c create oval [expr {$x - 7}] [expr {$y - 7}] [expr {$x + 7}] [expr {$y + 7}] \
            -outline #d00000 -width 3 -tags [list hl hlpoint]
        lappend waits $g $x $y $hs $what
    }
    unclutter
    # the captions, right of the end-of-run marks, right-aligned in the view
    set font [cycle_font [expr {[llength $waits] / 5}]]
    set maxw 0
    foreach {g x y hs what} $waits { set maxw [expr {max($maxw, [font measure $font $what])}] }
    set xend [cx [sx $model::maxseq]]
    set xc [expr {max($xend + 60, [width] - $maxw - 12)}]
    # too wide for the room right of the run: two lines
    set wrap [expr {max(200, [width] - $xc - 12)}]
    set left $xc
    foreach {g x y hs what} $waits {
        # (right of the run, on its goroutine's lane: never moved)
        set t [caption $xc $y w $what $font $wrap 0]
        $c addtag waitfor withtag $t
        set left [expr {min($left, [lindex [$c bbox $t] 0])}]
    }
    # the captions say it better than the end-of-run marks (and the lane's
    # margin, lanemarks.tcl) they would cover
    foreach {g x y hs what} $waits {
        foreach i [$c find withtag "(leak||marginwait)&&g$g"] {
            if {[lindex [$c bbox $i] 2] > $left - 44} { $c delete $i }
        }
    }
    # a dotted leader from each stuck operation (past its end-of-run mark)
    foreach {g x y hs what} $waits {
        set x0 [expr {$x + 7}]
        foreach i [$c find withtag "leak&&g$g"] {
            set x0 [expr {max($x0, [lindex [$c bbox $i] 2] + 2)}]
        }
        if {$x0 < $left - 8} {
            $c create line $x0 $y [expr {$left - 4}] $y -fill #d00000 -dash {2 3} \
                -tags [list hl waitfor]
        }
    }
    # the wait-for graph: one arc per pair of goroutines, nested by distance
    # (past 4 pairs the arcs are a tangle: the captions say who waits for whom)
    set pairs [dict create]
    foreach {g x y hs what} $waits {
        foreach h $hs {
            if {$h == $g || ![info exists laney(g$h)] || ![dict exists $blocked $h]} continue
            set key [list [expr {min($g, $h)}] [expr {max($g, $h)}]]
            set dir [expr {$g < $h ? "last" : "first"}]
            if {[dict exists $pairs $key] && [dict get $pairs $key] ne $dir} { set dir both }
            dict set pairs $key $dir
        }
    }
    if {[dict size $pairs] > 4} return
    set k 0
    set bydist {}
    foreach key [dict keys $pairs] {
        lassign $key a b
        lappend bydist [list [expr {abs($laney(g$a) - $laney(g$b))}] $key]
    }
    foreach dk [lsort -real -index 0 $bydist] {
        set key [lindex $dk 1]
        lassign $key a b
        set ya $laney(g$a); set yb $laney(g$b)
        set bulge [expr {-min(70, 26 + 0.25 * abs($yb - $ya) + 6 * $k)}]
        set dy [expr {$yb > $ya ? 4 : -4}]
        $c create line [expr {$left - 3}] [expr {$ya + $dy}] [expr {$left + $bulge}] \
            [expr {($ya + $yb) / 2.0}] [expr {$left - 3}] [expr {$yb - $dy}] -smooth 1 \
            -arrow [dict get $pairs $key] -width 3 -fill #d00000 -arrowshape {10 12 5} \
            -tags [list hl waitfor cycle]
        incr k
    }
}

# Span labels under a highlight circle move right, out of its way.
proc timeline::unclutter {} {
    variable c
    foreach p [$c find withtag hlpoint] {
        lassign [$c bbox $p] x0 y0 x1 y1
        foreach i [$c find overlapping $x0 $y0 $x1 $y1] {
            if {"spantext" ni [$c gettags $i]} continue
            set tx [lindex [$c bbox $i] 0]
            if {$tx >= $x1} continue
            # a label beside a short bar moves with its box
            set what $i
            if {"shortlabel" in [$c gettags $i]} {
                set what "shortlabel&&[lsearch -inline -regexp [$c gettags $i] {^s\d+$}]"
            }
            $c move $what [expr {$x1 + 1 - $tx}] 0
        }
    }
}

# A boxed caption, kept inside the view (wrapped when wider than WRAP px).
proc timeline::caption {x y anchor text {font TkHeadingFont} {wrap ""} {free 1}} {
    variable c
    set W [width]
    if {$wrap eq ""} { set wrap [expr {$W - 16}] }
    set t [$c create text $x $y -anchor $anchor -text $text -fill #a00000 -font $font \
               -tags {hl caption}]
    if {[font measure $font $text] > $wrap} { $c itemconfigure $t -width $wrap }
    set bb [$c bbox $t]
    if {[lindex $bb 2] > $W - 6} {
        $c move $t [expr {$W - 6 - [lindex $bb 2]}] 0
        set bb [$c bbox $t]
    }
    if {[lindex $bb 0] < 6} {
        $c move $t [expr {6 - [lindex $bb 0]}] 0
        set bb [$c bbox $t]
    }
    # where it would hide what is drawn on a lane, it moves up or down to
    # the nearest place that hides nothing (or, when the lanes above and
    # below are full at X, sideways too), a dotted leader back to X, Y
    lassign [expr {$free ? [free_shift $bb] : {0 0}}] dx dy
    if {$dx != 0 || $dy != 0} {
        $c move $t $dx $dy
        set bb [$c bbox $t]
        set ly [expr {$dy > 0 ? [lindex $bb 1] - 1 : $dy < 0 ? [lindex $bb 3] + 1 : $y}]
        set lx [expr {max([lindex $bb 0], min([lindex $bb 2], $x))}]
        $c create line $x $y $lx $ly -fill #d00000 -dash {2 2} -tags {hl leader}
    }
    lassign $bb x0 y0 x1 y1
    set r [$c create rectangle [expr {$x0 - 3}] [expr {$y0 - 1}] [expr {$x1 + 3}] [expr {$y1 + 1}] \
               -fill #ffffff -outline #d00000 -tags {hl caption hlbox}]
    $c raise $t $r
    return $t
}

# The shift {dx dy} ({0 0} if none is needed, or none is found in the view)
# that puts the box BB (x0 y0 x1 y1) where it hides nothing drawn on the
# lanes: spans, lock bands, marks, labels, tokens, and the other captions.
# The nearest vertical one first; only when the whole column at X is taken
# (a busy moment on every lane), the nearest column sideways that has room.
proc timeline::free_shift {bb} {
    variable c
    lassign $bb x0 y0 x1 y1
    set H [height]; set W [width]
    set dys 0
    for {set d 6} {$d < $H} {incr d 6} { lappend dys -$d $d }
    set dxs 0
    for {set d 40} {$d < $W} {incr d 40} { lappend dxs -$d $d }
    foreach dx $dxs {
        if {$x0 + $dx < 6 || $x1 + $dx > $W - 6} continue
        foreach dy $dys {
            set a [expr {$y0 + $dy - 2}]; set b [expr {$y1 + $dy + 2}]
            if {$a < 22 || $b > $H - 2} continue
            if {![hides_something [expr {$x0 + $dx - 4}] $a [expr {$x1 + $dx + 4}] $b]} {
                return [list $dx $dy]
            }
        }
    }
    return {0 0}
}

# Does the rectangle hold something drawn on the lanes (or another caption)?
proc timeline::hides_something {x0 y0 x1 y1} {
    variable c
    foreach i [$c find overlapping $x0 $y0 $x1 $y1] {
        set tags [$c gettags $i]
        if {"hlbox" in $tags || ("hl" ni $tags && [lsearch -regexp $tags \
                {^(span|block|spantext|shortlabel|lockband|varmark|objmark|tok|tokband|handoff|close|flag|gend|leak|neverclosed)$}] >= 0)} {
            return 1
        }
    }
    return 0
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
        set what [expr {$rs ne "" ? "$rs [model::object_label $o]" : $st}]
        caption [expr {$x0 + 6}] [expr {$y - 12}] sw \
            "leaked: stuck on $what$where until the program ended"
    }
}

proc timeline::hl_race {refs} {
    variable c; variable laney
    set pts {}
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set e [model::event $s]
        # a race the race build found: race_prev (the earlier access:
        # drawn where model::race_prev_seq puts it) and race
        set k [dict get $e kname]
        set at [expr {$k eq "race_prev" ? [model::race_prev_seq $s] : $s}]
        set x [cx [sx $at]]; set y $laney(g$g)
        lappend pts $x $y
        $c create oval [expr {$x - 8}] [expr {$y - 8}] [expr {$x + 8}] [expr {$y + 8}] \
            -outline #e00000 -fill #ffd0d0 -width 3 -tags [list hl hlpoint]
        switch -- $k {
            race_prev { set what [expr {[dict get $e c] == 1 ? "write" : "read"}] }
            race { set what [expr {[dict get $e b] == 1 ? "write" : "read"}] }
            default { set what [string map {var_ {}} [dict get $e kname]] }
        }
        set lbl "$what [model::object_label $o]"
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
        set kind [dict get $e kind]
        if {$role in {panic misuse} || $kind in [list $::trace::EV(panic) $::trace::EV(misuse)]} {
            set px $x; set py $y
            set pts {}
            for {set i 0} {$i < 10} {incr i} {
                set r [expr {$i % 2 ? 5 : 12}]
                set a [expr {$i * 3.14159265 / 5}]
                lappend pts [expr {$x + $r * sin($a)}] [expr {$y - $r * cos($a)}]
            }
            $c create polygon $pts -fill #ff2020 -outline #600000 -tags [list hl panicmark]
            set msg [dict get $e s]
            if {$msg eq "" && $kind == $::trace::EV(misuse)} { set msg "misuse" }
            set where ""
            if {[dict get $e file] ne ""} {
                set where " at [file tail [dict get $e file]]:[dict get $e line]"
            }
            # a panic ends the program; a misuse event lets it go on
            set what [expr {$kind == $::trace::EV(panic) ? "panic" : "misuse (the program went on)"}]
            set W [width]
            set anchor [expr {$x > 0.55 * $W ? "ne" : "nw"}]
            $c addtag panicmark withtag [caption [expr {$anchor eq "nw" ? $x + 4 : $x + 8}] \
                [expr {$y + 16}] $anchor "$what: $msg$where" TkHeadingFont [expr {0.6 * $W}]]
        } else {
            $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
                -outline #d00000 -width 3 -tags [list hl hlpoint]
            set lbl "[string map {_ " "} [dict get $e kname]] [model::object_label $o]"
            if {[dict get $e file] ne ""} {
                append lbl " ([file tail [dict get $e file]]:[dict get $e line])"
            }
            caption [expr {$x - 4}] [expr {$y - 10}] se $lbl TkSmallCaptionFont
            lappend others $x $y
        }
    }
    unclutter
    if {$px ne ""} {
        # what led to it (the close, ...) linked to the panic
        foreach {x y} $others {
            $c create line $x $y $px $py -dash {6 3} -fill #d00000 -width 2 -tags [list hl misuselink]
        }
    } elseif {[llength $others] >= 4} {
        # no panic: two operations that should have been ordered (Add / Wait)
        lassign $others x1 y1 x2 y2
        set l [$c create line $x1 $y1 $x2 $y2 -fill #e00000 -width 4 -tags [list hl misuselink]]
        $c lower $l hlpoint
        $c addtag misuselink withtag [caption [expr {($x1 + $x2) / 2}] [expr {max($y1, $y2) + 30}] n \
            "MISUSE: no happens-before path orders these two calls"]
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
            -text [string trim "$role [model::object_label $o]"]
        # lock order: each "holding" leads to the following "acquiring"
        if {$role eq "holding"} { set hold [list $x $y] }
        if {$role eq "acquiring" && [info exists hold]} {
            $c create line {*}$hold $x $y -arrow last -width 2 -fill #d00000 -dash {6 3} \
                -tags [list hl lockorder]
            unset hold
        }
    }
}

# Lock order (a deadlock that did not happen this run): on each goroutine's
# lane, the acquire of the lock it held and of the lock it then took, joined
# by an arrow along the lane; right of them, one caption per goroutine
# ("holds A.mu, then locks B.mu") and a double-headed arrow between the
# captions: the cycle that deadlocks if the two ever overlap.
proc timeline::hl_lockorder {refs} {
    variable c; variable laney
    set order {}
    set steps [dict create]
    set xmax 0
    foreach {s g o role} $refs {
        if {$s eq "" || $g eq "" || ![info exists laney(g$g)]} continue
        set x [cx [sx $s]]; set y $laney(g$g)
        set xmax [expr {max($xmax, $x)}]
        $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
            -outline #d00000 -width 3 -tags [list hl hlpoint]
        if {$g ni $order} { lappend order $g }
        dict lappend steps $g [list $role $o $x $y]
    }
    unclutter
    set font TkHeadingFont
    set caps {}
    foreach g $order {
        set held ""; set took ""
        foreach st [dict get $steps $g] {
            lassign $st role o x y
            if {$role eq "holding"} { set held [list $o $x $y] } else { set took [list $o $x $y] }
        }
        if {$held ne "" && $took ne ""} {
            lassign $held ho hx hy; lassign $took to tx ty
            set yb [expr {$hy - 13}]
            $c create line $hx [expr {$hy - 6}] $hx $yb $tx $yb $tx [expr {$ty - 6}] -arrow last \
                -width 2 -fill #d00000 -arrowshape {7 8 3} -tags [list hl lockorder]
            caption [expr {$hx - 3}] [expr {$hy + 9}] ne "holds [model::object_label $ho]" TkSmallCaptionFont
            caption [expr {$tx + 3}] [expr {$ty + 9}] nw "then locks [model::object_label $to]" TkSmallCaptionFont
            lappend caps $g $ty "[model::goroutine_name $g]: holds [model::object_label $ho], then locks [model::object_label $to]"
        }
    }
    if {![llength $caps]} return
    set maxw 0
    foreach {g y t} $caps { set maxw [expr {max($maxw, [font measure $font $t])}] }
    set xc [expr {max($xmax + 90, [width] - $maxw - 12)}]
    set left $xc
    set ys {}
    foreach {g y t} $caps {
        set i [caption $xc $y w $t $font "" 0]
        $c addtag lockorder withtag $i
        set left [expr {min($left, [lindex [$c bbox $i] 0])}]
        lappend ys $y
    }
    # the potential cycle: each waits for a lock the next one holds
    set ys [lsort -real $ys]
    set ya [lindex $ys 0]; set yb [lindex $ys end]
    if {$yb > $ya} {
        $c create line [expr {$left - 3}] [expr {$ya + 4}] [expr {$left - 30 - 0.1 * ($yb - $ya)}] \
            [expr {($ya + $yb) / 2.0}] [expr {$left - 3}] [expr {$yb - 4}] -smooth 1 -arrow both \
            -width 3 -fill #d00000 -arrowshape {10 12 5} -tags [list hl lockorder cycle]
        caption $left [expr {$yb + 14}] nw \
            "if these ever overlap: each holds one lock and waits for the other (deadlock)" \
            TkSmallCaptionFont [expr {max(150, [width] - $left - 12)}]
    }
}
