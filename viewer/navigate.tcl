# navigate.tcl — moving around the timeline (part of the timeline
# namespace): reveal and select lanes, collapse and filter them, mouse
# press/drag/click on the canvas, and "jump to the goroutine that woke this
# one".  Zoom and pan themselves are in timeline.tcl.

proc timeline::reveal {g} {
    variable gors; variable collapsed
    array set parent {}
    foreach {id name par site cs es depth children} $gors { set parent($id) $par }
    set p [expr {[info exists parent($g)] ? $parent($g) : ""}]
    set changed 0
    while {$p ne ""} {
        if {[info exists collapsed($p)]} { unset collapsed($p); set changed 1 }
        set p [expr {[info exists parent($p)] ? $parent($p) : ""}]
    }
    if {$changed} layout
}
proc timeline::scroll_to_g {g} {
    variable laney; variable ytop
    if {![info exists laney(g$g)]} return
    set y $laney(g$g)
    if {$y < $ytop + 20 || $y > $ytop + [height] - 20} {
        set ytop [expr {max(0, $y - [height] / 3)}]
    }
}
proc timeline::toggle {g} {
    variable collapsed
    if {[info exists collapsed($g)]} { unset collapsed($g) } else { set collapsed($g) 1 }
    layout
    schedule
}
proc timeline::set_filter {text} {
    variable filter $text
    layout
    schedule
}
proc timeline::select_g {g {seq ""}} {
    variable sel_g $g; variable sel_seq $seq
    # a quiz not answered yet: the selected goroutine is the one blamed
    if {[info exists ::viewer::opts(quiz)] && $::viewer::opts(quiz)} { quiz::blame_g $g }
    scroll_to_g $g
    schedule
    catch {panels::show_selection $g $seq}
}

proc timeline::label_click {x y} {
    variable lab; variable ytop; variable lanes
    set item [$lab find closest $x $y]
    set tags [$lab gettags $item]
    foreach t $tags {
        if {[regexp {^t(\d+)$} $t -> g]} { toggle $g; return }
    }
    set yy [expr {int($y + $ytop)}]
    lassign [lanes_in_view $yy $yy] i0 i1
    for {set i $i0} {$i <= $i1} {incr i} {
        lassign [lindex $lanes $i] type id ly lh
        if {$yy >= $ly && $yy < $ly + $lh && $type eq "g"} { select_g $id }
    }
}

proc timeline::press {x y} {
    variable drag; variable c
    focus $c
    set drag [list $x $y $x $y 0]
}
proc timeline::motion {x y} {
    variable drag; variable ytop; variable total_h
    if {$drag eq ""} return
    lassign $drag x0 y0 lx ly moved
    if {!$moved && abs($x - $x0) + abs($y - $y0) < 4} return
    pan [expr {$lx - $x}]
    set ytop [expr {max(0, min($total_h - 40, $ytop + $ly - $y))}]
    set drag [list $x0 $y0 $x $y 1]
}
proc timeline::release {x y} {
    variable drag
    if {$drag eq ""} return
    set moved [lindex $drag 4]
    set drag {}
    if {!$moved} { click $x $y }
}
# A click selects what is under the pointer: a span, a token, an event tick.
proc timeline::click {x y} {
    variable c
    set best ""
    foreach item [lreverse [$c find overlapping [expr {$x - 2}] [expr {$y - 2}] \
                                [expr {$x + 2}] [expr {$y + 2}]]] {
        set tags [$c gettags $item]
        if {"hl" in $tags || "lane" in $tags || "cursor" in $tags} continue
        set best $tags
        break
    }
    set g ""; set seq ""
    foreach t $best {
        if {[regexp {^g(\d+)$} $t -> v]} { set g $v }
        if {[regexp {^[se](\d+)$} $t -> v]} { set seq $v }
    }
    if {$g eq ""} {
        # on a lane's background: select the goroutine of that lane
        foreach item [$c find overlapping $x $y $x $y] {
            foreach t [$c gettags $item] { if {[regexp {^g(\d+)$} $t -> v]} { set g $v } }
        }
    }
    if {$g ne ""} { select_g $g $seq } elseif {$seq ne ""} {
        catch {panels::show_event $seq}
    }
}

# Jump to the goroutine that woke the selected one from its blocked span.
proc timeline::jump_waker {} {
    variable sel_g; variable sel_seq
    if {$sel_g eq ""} return
    set at [expr {$sel_seq ne "" ? $sel_seq : ($timeline::cursor ne "" ? $timeline::cursor : $model::maxseq)}]
    set sp [model::span_at $sel_g $at]
    if {$sp eq ""} return
    lassign $sp st rs ob ss es open
    if {$st eq "running"} {
        # the blocked span just before this one
        set sp [model::span_at $sel_g [expr {$ss - 1}]]
        lassign $sp st rs ob ss es open
    }
    if {$open || $st eq "running" || $es eq ""} return
    set e [model::event $es]
    if {[dict get $e kind] != $::trace::EV(go_unblock)} return
    set w [dict get $e a]
    if {$w eq "" || $w == 0} return
    reveal $w
    select_g $w $es
    return $w
}

