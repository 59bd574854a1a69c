# timeline.tcl — the lanes canvas: one lane per goroutine (grouped under its
# parent, collapsible) and one per channel; spans coloured by state; arrows
# for happens-before edges; zoom, pan, level of detail and an item cap.
#
# The canvas is redrawn from scratch on every view change, from queries on
# the visible window only (model::lod_spans & co.), so the cost of a redraw
# depends on the pixels on screen, not on the size of the trace.
#
# Coordinates: the x axis is in "units": seq (event order) or ns (wall
# time); x = (u - u0) * ppu.  Lane y positions are fixed at layout time;
# the view shows [ytop, ytop + height].
#
# Canvas tags used by the tests and the panels:
#   lane        background of a lane (+ g<ID> or ch<ID>)
#   span        one span drawn on its own (+ g<ID> s<START_SEQ>)
#   block       several small spans merged into one summary block
#   arrow       a happens-before arrow segment (+ msg, or the edge kind)
#   tok         a message in a channel's buffer; close: a close marker
#   gend        a goroutine's end; leak: alive-at-exit marker
#   ev          an event tick (+ e<SEQ>); cursor: the replay cursor
#   hl          anything drawn to highlight the selected finding

namespace eval timeline {
    variable c ""          ;# main canvas
    variable lab ""        ;# lane labels canvas
    variable ruler ""      ;# axis canvas
    variable axis seq      ;# seq | ns
    variable u0 0.0
    variable ppu 1.0
    variable ytop 0
    variable total_h 0     ;# height of all lanes (pixels)
    variable lastw 0
    variable lanes {}      ;# laid-out lanes, {type id y h idx} each, by y (see layout)
    variable lane_y {}     ;# each lane's y, for bisection
    variable hdr_idx {}    ;# indexes in lanes of the header lanes
    variable laney         ;# array: g<ID> / ch<ID> -> center y
    array set laney {}
    variable collapsed     ;# array: gid -> 1
    array set collapsed {}
    variable filter ""
    variable gors {}       ;# model::goroutines (8 fields per goroutine; g_dict)
    variable chans {}      ;# model::channels (7 fields per channel; chan_dict)
    variable closes {}     ;# model::channel_closes
    variable panics {}     ;# model::object_panics
    variable objmarks {}   ;# model::object_marks: timer fire/stop, ctx cancel on their channel
    variable gflags {}     ;# model::goroutine_flags: panics and misuses, per goroutine
    variable lockband 0    ;# band under goroutine lanes (0: the trace has no lock_spans, no Once run)
    variable lanes_shown {} ;# lanes listed in the state panel (when there are many)
    variable sel_g ""
    variable sel_seq ""
    variable arrows sel    ;# sel | all | none
    variable cursor ""     ;# replay cursor (seq) or ""
    variable hl {}         ;# highlight spec of the selected finding
    variable maxitems 12000
    variable items 0
    variable truncated 0
    variable stats
    array set stats {}
    variable pending 0
    variable nscache
    array set nscache {}
    variable colcache      ;# state,reason -> colour
    array set colcache {}
    variable twcache       ;# span label -> its width in pixels
    array set twcache {}
    variable namecache     ;# object id -> name (per trace)
    array set namecache {}
    variable lockname      ;# lock id -> its name in the lock bands (per trace)
    array set lockname {}
    variable drag {}
    variable LANE_H 22
    variable LABEL_W 190
    variable MINPX 4       ;# spans narrower than this many pixels are merged

    # One fixed semantic palette (the legend shows the same table).
    variable palette {
        running  #3cb44b
        send     #f58231
        recv     #4363d8
        select   #911eb4
        lock     #e6194b
        rlock    #e6194b
        wg       #f032e6
        cond     #9a6324
        sleeping #c8c8c8
        nil      #000075
        semaphore #808000
        once     #808000
        io       #008080
    }
    variable legend {
        running "running" send "blocked on send" recv "blocked on receive"
        select "blocked on select" lock "blocked on lock" wg "blocked on WaitGroup"
        cond "blocked on Cond" io "waiting for the network" sleeping "sleeping"
        nil "nil channel / other"
    }
    variable edgecolor {
        msg #1f4e9c spawn #2e7d32 unlock #c62828 wg #ad1457 close #000000
        once #6d4c41 cancel #ef6c00 cond #6d4c41
    }
}

proc timeline::color {state reason} {
    variable palette
    if {$state eq "running"} { return [dict get $palette running] }
    if {$state eq "sleeping"} { return [dict get $palette sleeping] }
    if {[dict exists $palette $reason]} { return [dict get $palette $reason] }
    return [dict get $palette nil]
}

proc timeline::create {w} {
    variable c; variable lab; variable ruler; variable LABEL_W
    frame $w
    set ruler $w.ruler
    set lab $w.lab
    set c $w.c
    canvas $w.corner -width $LABEL_W -height 24 -bg #eeeeee -highlightthickness 0
    canvas $ruler -height 24 -bg #eeeeee -highlightthickness 0
    canvas $lab -width $LABEL_W -bg #f7f7f7 -highlightthickness 0
    canvas $c -bg white -highlightthickness 0 -takefocus 1
    scrollbar $w.vs -orient vertical -command timeline::yview
    grid $w.corner $ruler -sticky nsew
    grid $lab $c $w.vs -sticky nsew
    grid columnconfigure $w 1 -weight 1
    grid rowconfigure $w 1 -weight 1
    $w.corner create text 6 12 -anchor w -text "lanes" -font TkSmallCaptionFont
    bind $c <Configure> timeline::resized
    bind $c <ButtonPress-1> {timeline::press %x %y}
    bind $c <B1-Motion> {timeline::motion %x %y}
    bind $c <ButtonRelease-1> {timeline::release %x %y}
    bind $c <Button-4> {timeline::zoom 1.25 %x}
    bind $c <Button-5> {timeline::zoom 0.8 %x}
    bind $c <Shift-Button-4> {timeline::scroll -3}
    bind $c <Shift-Button-5> {timeline::scroll 3}
    bind $c <MouseWheel> {timeline::zoom [expr {%D > 0 ? 1.25 : 0.8}] %x}
    bind $lab <Button-4> {timeline::scroll -3}
    bind $lab <Button-5> {timeline::scroll 3}
    bind $lab <ButtonPress-1> {timeline::label_click %x %y}
    return $w
}

# Load the lanes of the open trace and fit the whole run.
proc timeline::load {} {
    variable gors [model::goroutines]
    variable chans [model::channels]
    variable closes [model::channel_closes]
    variable panics [model::object_panics]
    variable objmarks [model::object_marks]
    variable gflags [model::goroutine_flags]
    variable lockband [expr {([model::has_table lock_spans]
        && [model::db exists {SELECT 1 FROM lock_spans}]) || [dict size [model::once_runs]] ? 1 : 0}]
    variable collapsed; array unset collapsed
    variable sel_g ""; variable sel_seq ""; variable hl {}; variable ytop 0
    variable nscache; array unset nscache
    variable namecache; array unset namecache
    variable lockname; array unset lockname
    layout
    fit
}

# Compute the visible lanes (collapse + filter) and their y positions.
#
# Invariant: lanes is in increasing y and lane_y holds each lane's y, so the
# lanes in view are found by bisection (lanes_in_view), and a redraw costs
# the lanes on screen, not the lanes of the trace.  A lane is a small list
# {type id y h idx}: idx is the goroutine's or channel's number in gors or
# chans (g_dict, chan_dict; for a header: its label); lane_dict makes the
# full dict of a lane in view.  Layout is linear and runs once per load,
# collapse or filter change.
proc timeline::layout {} {
    variable gors; variable chans; variable collapsed; variable filter
    variable lanes {}; variable lane_y {}; variable laney; variable LANE_H
    array unset laney
    set n [expr {[llength $gors] / 8}]
    set LANE_H [expr {$n <= 6 ? 40 : ($n <= 12 ? 32 : 22)}]
    set y 24            ;# room for the finding banner
    set pat [expr {$filter eq "" ? "" : "*[string tolower $filter]*"}]
    variable hdr_idx [list [llength $lanes]]
    lappend lanes [list hdr gor $y 18 "goroutines ($n)"]
    lappend lane_y $y
    incr y 18
    set hidden_depth -1
    set i -1
    set anycollapsed [array size collapsed]
    foreach {id name parent site cs es depth children} $gors {
        incr i
        if {$anycollapsed} {
            if {$hidden_depth >= 0 && $depth > $hidden_depth} continue
            set hidden_depth -1
            if {[info exists collapsed($id)]} { set hidden_depth $depth }
        }
        if {$pat ne "" && ![string match $pat [string tolower "$name #$id"]]} continue
        lappend lanes [list g $id $y $LANE_H $i]
        lappend lane_y $y
        set laney(g$id) [expr {$y + $LANE_H / 2}]
        incr y $LANE_H
    }
    set nch [expr {[llength $chans] / 7}]
    if {$nch} {
        lappend hdr_idx [llength $lanes]
        lappend lanes [list hdr chan $y 18 "channels ($nch)"]
        lappend lane_y $y
        incr y 18
    }
    set i -1
    foreach {id name shown cap elem site cs} $chans {
        incr i
        # the filter finds a channel by its label or its stored name
        if {$pat ne "" && ![string match $pat [string tolower [model::chan_label $shown]]]
            && ![string match $pat [string tolower $name]]} continue
        # 1..4 rows of tokens (no min()/max() here: a math function call
        # costs more than the rest of this loop)
        if {$cap < 1} { set rows 1 } elseif {$cap > 4} { set rows 4 } else { set rows $cap }
        set h [expr {14 + 9 * $rows}]
        lappend lanes [list ch $id $y $h $i]
        lappend lane_y $y
        set laney(ch$id) [expr {$y + $h / 2}]
        incr y $h
    }
    variable total_h $y
}

# Indexes in lanes of the first and last lane overlapping [Y0, Y1] (layout
# coordinates); first > last when none does.
proc timeline::lanes_in_view {y0 y1} {
    variable lane_y
    # the last lane starting at or above y0 (-1: all start below y0)
    set i [lsearch -sorted -integer -bisect $lane_y [expr {int(floor($y0))}]]
    if {$i < 0} { set i 0 }
    set j [lsearch -sorted -integer -bisect $lane_y [expr {int(ceil($y1))}]]
    return [list $i $j]
}

# The full dict of lane I (for a lane in view):
#   type hdr: type id y h label
#   type g:   type id y h depth label g      (g: its g_dict)
#   type ch:  type id y h label ch rows      (ch: its chan_dict)
proc timeline::lane_dict {i} {
    variable lanes; variable gors; variable chans
    lassign [lindex $lanes $i] type id y h idx
    switch $type {
        hdr { return [dict create type hdr id $id y $y h $h label $idx] }
        g {
            set g [g_dict $idx]
            return [dict create type g id $id y $y h $h depth [dict get $g depth] \
                        label "[dict get $g name] #$id" g $g]
        }
        ch {
            set ch [chan_dict $idx]
            return [dict create type ch id $id y $y h $h label [dict get $ch label] ch $ch \
                        rows [expr {max(1, min(4, [dict get $ch cap]))}]]
        }
    }
}

# Goroutine number IDX (in lane order) as a dict:
#   id name parent site create_seq end_seq depth children
proc timeline::g_dict {idx} {
    variable gors
    set k [expr {$idx * 8}]
    lassign [lrange $gors $k [expr {$k + 7}]] id name parent site cs es depth children
    return [dict create id $id name $name parent $parent site $site create_seq $cs \
                end_seq $es depth $depth children $children]
}

# Channel number IDX (in creation order) as a dict:
#   id name label cap elem site create_seq close_seqs
proc timeline::chan_dict {idx} {
    variable chans; variable closes
    lassign [lrange $chans [expr {$idx * 7}] [expr {$idx * 7 + 6}]] id name shown cap elem site cs
    return [dict create id $id name $name label "[model::chan_label $shown][model::chan_tag $id]" cap $cap \
                elem $elem site $site create_seq $cs \
                close_seqs [expr {[dict exists $closes $id] ? [dict get $closes $id] : {}}]]
}
proc timeline::g_count {} {
    variable gors
    return [expr {[llength $gors] / 8}]
}
# Ids of the goroutines whose lanes are in view.
proc timeline::gs_in_view {} {
    variable lanes; variable ytop
    set out {}
    lassign [lanes_in_view $ytop [expr {$ytop + [height]}]] i0 i1
    for {set i $i0} {$i <= $i1} {incr i} {
        lassign [lindex $lanes $i] type id
        if {$type eq "g"} { lappend out $id }
    }
    return $out
}
proc timeline::chan_count {} {
    variable chans
    return [expr {[llength $chans] / 7}]
}
# Indexes (for chan_dict) of the channels whose lanes are in view.
proc timeline::chans_in_view {} {
    variable lanes; variable ytop
    set out {}
    lassign [lanes_in_view $ytop [expr {$ytop + [height]}]] i0 i1
    for {set i $i0} {$i <= $i1} {incr i} {
        lassign [lindex $lanes $i] type id y h idx
        if {$type eq "ch"} { lappend out $idx }
    }
    return $out
}

# ---- view ---------------------------------------------------------------

proc timeline::width {} {
    variable c
    set w [winfo width $c]
    return [expr {$w > 10 ? $w : 1000}]
}
proc timeline::height {} {
    variable c
    set h [winfo height $c]
    return [expr {$h > 10 ? $h : 600}]
}
# The whole run in axis units.
proc timeline::extent {} {
    variable axis
    if {$axis eq "ns"} { return [list 0 [expr {max(1, $model::maxns)}]] }
    return [list 0 [expr {max(1, $model::maxseq) + 1}]]
}
proc timeline::fit {} {
    zoom_to {*}[fit_range]
}
# The units Fit shows: the whole run, with room on the right for the
# end-of-run marks ("■ alive at deadlock", "never closed": ~130 px) and
# what a final bar too short to say it waits on (draw_margin_waits): 210 px.
proc timeline::fit_range {} {
    lassign [extent] a b
    set lo [expr {$a - ($b - $a) * 0.02}]
    set W [width]
    set r [expr {max(($b - $a) * 0.10, 210.0 * ($b - $lo) / max(1.0, $W - 210.0))}]
    return [list $lo [expr {$b + $r}]]
}
# Show axis units [A, B].
proc timeline::zoom_to {a b} {
    variable u0; variable ppu
    if {$b <= $a} { set b [expr {$a + 1}] }
    set u0 [expr {double($a)}]
    set ppu [expr {double([width]) / ($b - $a)}]
    schedule
}
# Show seqs [LO, HI] whatever the axis.
proc timeline::zoom_seqs {lo hi} {
    variable axis
    if {$axis eq "ns"} {
        set a [model::ns_of_seq [expr {max(1, int($lo))}]]
        set b [model::ns_of_seq [expr {min($model::maxseq, int($hi))}]]
        if {$hi > $model::maxseq} {
            set b [expr {$b + ($b - $a) * ($hi - $model::maxseq) / max(1.0, $model::maxseq - $lo)}]
        }
        set pad [expr {max(1000, ($b - $a) * 0.08)}]
        zoom_to [expr {$a - $pad}] [expr {$b + $pad}]
    } else {
        set pad [expr {max(2, ($hi - $lo) * 0.08)}]
        zoom_to [expr {$lo - $pad}] [expr {$hi + $pad}]
    }
}
proc timeline::zoom {f {x ""}} {
    variable u0; variable ppu
    if {$x eq ""} { set x [expr {[width] / 2.0}] }
    set u [expr {$u0 + $x / $ppu}]
    set ppu [expr {min(400.0, $ppu * $f)}]
    set u0 [expr {$u - $x / $ppu}]
    clamp
    schedule
}
proc timeline::pan {dxpx} {
    variable u0; variable ppu
    set u0 [expr {$u0 + $dxpx / $ppu}]
    clamp
    schedule
}
# The view never goes past the data: zoomed out at most to the whole run
# (as Fit shows it), panned at most to its ends.
proc timeline::clamp {} {
    variable u0; variable ppu
    lassign [fit_range] lo hi
    set W [width]
    set ppu [expr {max($ppu, double($W) / ($hi - $lo))}]
    set span [expr {$W / $ppu}]
    set u0 [expr {max($lo, min($hi - $span, $u0))}]
}
proc timeline::scroll {lines} {
    variable ytop; variable LANE_H; variable total_h
    set ytop [expr {max(0, min($total_h - 40, $ytop + $lines * $LANE_H))}]
    schedule
}
proc timeline::yview {cmd args} {
    variable ytop; variable total_h
    switch $cmd {
        moveto { set ytop [expr {int([lindex $args 0] * $total_h)}] }
        scroll {
            lassign $args n what
            if {$what eq "pages"} { set n [expr {$n * int([height] / 22)}] }
            scroll $n
            return
        }
    }
    set ytop [expr {max(0, min($total_h - 40, $ytop))}]
    schedule
}
proc timeline::set_axis {a} {
    variable axis
    if {$a eq $axis} return
    # keep the same seqs in view
    lassign [seq_window] lo hi
    set axis $a
    zoom_seqs $lo $hi
}

# The seqs in view (a little wider), for the window queries.
proc timeline::seq_window {} {
    variable axis; variable u0; variable ppu
    set a $u0
    set b [expr {$u0 + [width] / $ppu}]
    if {$axis eq "ns"} {
        set lo [expr {max(1, [model::seq_at_ns [expr {wide($a)}]] - 1)}]
        set hi [expr {min($model::maxseq, [model::seq_at_ns [expr {wide($b) + 1}]] + 1)}]
    } else {
        set lo [expr {max(1, int(floor($a)))}]
        set hi [expr {min($model::maxseq, int(ceil($b)))}]
    }
    return [list $lo $hi]
}

# x of an axis unit, and of a seq (ns axis: through its event's t_ns).
proc timeline::ux {u} {
    variable u0; variable ppu
    return [expr {($u - $u0) * $ppu}]
}
proc timeline::sx {seq} {
    variable axis; variable nscache
    if {$axis eq "seq"} { return [ux $seq] }
    if {![info exists nscache($seq)]} { set nscache($seq) [model::ns_of_seq $seq] }
    return [ux $nscache($seq)]
}
# Clamp an x coordinate to a drawable range (Tk dislikes huge coordinates).
proc timeline::cx {x} {
    return [expr {max(-50.0, min([width] + 50.0, $x))}]
}

# Keep the same units in view when the canvas changes width.
proc timeline::resized {} {
    variable lastw; variable ppu
    set w [width]
    if {$lastw > 10 && $w != $lastw} {
        set ppu [expr {$ppu * $w / double($lastw)}]
    }
    set lastw $w
    schedule
}

proc timeline::schedule {} {
    variable pending
    if {$pending} return
    set pending 1
    after idle timeline::redraw
}

# ---- drawing ---------------------------------------------------------------

proc timeline::redraw {} {
    variable c; variable pending 0; variable lanes; variable ytop; variable items 0
    variable truncated 0; variable stats; variable nscache
    if {$c eq "" || ![winfo exists $c]} return
    if {[array size nscache] > 50000} { array unset nscache }
    set t0 [clock microseconds]
    $c delete all
    array set stats {lanes 0 spans 0 blocks 0 arrows 0 tokens 0 events 0}
    lassign [seq_window] lo hi
    set H [height]
    # only the lanes in view are drawn (scrolling draws the others)
    lassign [lanes_in_view $ytop [expr {$ytop + $H}]] i0 i1
    for {set i $i0} {$i <= $i1} {incr i} {
        set ln [lane_dict $i]
        set y [expr {[dict get $ln y] - $ytop}]
        set h [dict get $ln h]
        if {$y + $h < 0 || $y > $H} continue
        switch [dict get $ln type] {
            hdr { draw_header $ln $y }
            g   { draw_goroutine $ln $y $lo $hi }
            ch  { draw_channel $ln $y $lo $hi }
        }
    }
    draw_arrows $lo $hi
    draw_highlight
    draw_more $i0 $i1 $H
    draw_cursor
    if {$truncated} {
        $c create text [expr {[width] - 8}] [expr {$H - 8}] -anchor se -tags note \
            -text "detail capped at $timeline::maxitems items: zoom in" -fill #b00000
    }
    draw_labels
    draw_ruler
    update_scrollbar
    # the state panel lists the goroutines and channels in view when there
    # are many: follow the scrolling
    variable lanes_shown
    if {[chan_count] > 300 || [g_count] > 300} {
        set v [lanes_in_view $ytop [expr {$ytop + $H}]]
        if {$v ne $lanes_shown} {
            set lanes_shown $v
            catch {panels::update_state $replay::cursor}
        }
    }
    set stats(items) [llength [$c find all]]
    set stats(ms) [expr {([clock microseconds] - $t0) / 1000.0}]
    event generate $c <<Redrawn>> -when tail
}

# Lanes that do not fit: "N more ↓" at the bottom (and "N more ↑" at the
# top) of the view, on a box that scrolls to them when clicked.  I0..I1:
# the lanes drawn.
proc timeline::draw_more {i0 i1 H} {
    variable c; variable lanes; variable ytop
    set W [width]
    set n [llength $lanes]
    # counted by bisection (a redraw never walks every lane): a lane cut by
    # an edge counts as not shown when less than half of it is in view
    set below [expr {[lanes_from [first_lane_mid_after [expr {$ytop + $H}]]]}]
    set above [expr {[lane_count] - [lanes_from [first_lane_mid_after $ytop]]}]
    foreach {cnt txt ay anchor dir} [list $below "$below more \u2193" [expr {$H - 3}] se 1 \
                                         $above "$above more \u2191" 24 ne -1] {
        if {!$cnt} continue
        set t [$c create text [expr {$W - 24}] $ay -anchor $anchor -text $txt -fill #ffffff \
                   -font TkHeadingFont -tags [list more more$dir]]
        lassign [$c bbox $t] x0 y0 x1 y1
        set r [$c create rectangle [expr {$x0 - 6}] [expr {$y0 - 2}] [expr {$x1 + 6}] \
                   [expr {$y1 + 2}] -fill #37474f -outline "" -tags [list more more$dir]]
        $c raise $t $r
        $c bind more$dir <ButtonRelease-1> [list timeline::scroll [expr {$dir * 5}]]
    }
}

# Index of the first lane whose middle is below Y (lanes are in y order;
# a lane is at most a few rows high, so the bisection on the lane tops and
# one step cover it).
proc timeline::first_lane_mid_after {y} {
    variable lanes; variable lane_y
    set i [lsearch -sorted -integer -bisect $lane_y [expr {int(floor($y))}]]
    if {$i < 0} { return 0 }
    lassign [lindex $lanes $i] type id ly h
    return [expr {$ly + $h / 2 > $y ? $i : $i + 1}]
}
# Non-header lanes from index I to the end, and in all (headers: their
# indexes in hdr_idx, set by layout; at most two).
proc timeline::lanes_from {i} {
    variable lanes; variable hdr_idx
    set k [expr {[llength $lanes] - $i}]
    foreach h $hdr_idx { if {$h >= $i} { incr k -1 } }
    return [expr {max(0, $k)}]
}
proc timeline::lane_count {} { return [lanes_from 0] }

# Scroll the lanes so that the goroutines of the first finding are in view
# (when they do not all fit, the most of them, main counting half: it is
# the first lane, and the others are what the finding is about), unless
# they already are.
proc timeline::show_findings_lanes {} {
    variable laney; variable ytop; variable total_h
    set id [model::db onecolumn {SELECT min(id) FROM findings}]
    if {$id eq ""} return
    set pts {}
    foreach {s g o role} [model::finding_refs $id] {
        if {$g ne "" && [info exists laney(g$g)] && ![dict exists $pts $g]} {
            dict set pts $g $laney(g$g)
        }
    }
    if {![dict size $pts]} return
    set H [height]
    set ys [lsort -real [dict values $pts]]
    if {[lindex $ys 0] - 20 >= $ytop && [lindex $ys end] + 20 <= $ytop + $H} return
    # the window of height H (less a margin) starting at one of the lanes
    # that holds the most weight
    set best -1; set at 0
    foreach y0 $ys {
        set wsum 0
        dict for {g y} $pts {
            if {$y >= $y0 && $y <= $y0 + $H - 80} {
                set wsum [expr {$wsum + ($g == 1 ? 0.5 : 1.0)}]
            }
        }
        if {$wsum > $best} { set best $wsum; set at $y0 }
    }
    set ytop [expr {max(0, min($total_h - 40, int($at) - 60))}]
    schedule
}

proc timeline::room {} {
    variable items; variable maxitems; variable truncated
    if {$items >= $maxitems} { set truncated 1; return 0 }
    return 1
}

proc timeline::draw_header {ln y} {
    variable c
    $c create rectangle -10 $y [expr {[width] + 10}] [expr {$y + 18}] -fill #e8e8e8 \
        -outline "" -tags {lanehdr}
}

proc timeline::draw_goroutine {ln y lo hi} {
    variable c; variable ppu; variable axis; variable MINPX; variable items; variable stats
    variable sel_g
    variable lockband
    set id [dict get $ln id]
    set g [dict get $ln g]
    set h [dict get $ln h]
    # a thin band under the spans for the locks held (lock_spans)
    set bh [expr {$lockband ? ($h >= 32 ? 10 : 6) : 0}]
    set y0 [expr {$y + 3}]; set y1 [expr {$y + $h - 3 - $bh}]
    set bg [expr {$id == $sel_g ? "#fff6c8" : ([dict get $ln y] / $h % 2 ? "#fafafa" : "#ffffff")}]
    $c create rectangle -10 $y [expr {[width] + 10}] [expr {$y + $h}] -fill $bg -outline "" \
        -tags [list lane g$id]
    incr stats(lanes)
    set minw [expr {$MINPX / $ppu}]
    set rows [model::lod_spans $id $lo $hi [expr {$axis eq "ns" ? "ns" : "seq"}] $minw]
    set leaked 0
    set short {}
    set inside {}
    set hidden_waits 0
    # hot loop: plain arithmetic, colours and names from caches; adjacent
    # summary blocks of one colour become one item
    variable u0; variable maxitems; variable colcache; variable namecache; variable twcache
    set W [width]
    set lim0 -50.0; set lim1 [expr {$W + 50.0}]
    set pend {}
    foreach {n state reason obj ss es a0 a1 open run blk slp} $rows {
        if {$items >= $maxitems} { variable truncated 1; break }
        set x0 [expr {($a0 - $u0) * $ppu}]
        set x1 [expr {($a1 - $u0) * $ppu}]
        if {$x0 < $lim0} { set x0 $lim0 } elseif {$x0 > $lim1} { set x0 $lim1 }
        if {$x1 < $lim0} { set x1 $lim0 } elseif {$x1 > $lim1} { set x1 $lim1 }
        if {$x1 - $x0 < 1} { set x1 [expr {$x0 + 1}] }
        if {$n == 1} {
            if {![info exists colcache($state,$reason)]} {
                set colcache($state,$reason) [color $state $reason]
            }
            if {$open && $id != 1} {
                $c create rectangle $x0 $y0 $x1 $y1 -fill $colcache($state,$reason) \
                    -outline #b00000 -width 2 -tags [list span g$id s$ss]
                if {$state ne "running"} { set leaked 1 }
            } else {
                $c create rectangle $x0 $y0 $x1 $y1 -fill $colcache($state,$reason) \
                    -outline "" -tags [list span g$id s$ss]
            }
            incr stats(spans)
            if {$state eq "blocked"} {
                # a select's label names its cases: per span
                set nk [expr {$reason eq "select" ? "select,$id,$ss" : "$reason,$obj"}]
                if {![info exists namecache($nk)]} {
                    set namecache($nk) [model::waits_on $reason $obj $id $ss]
                }
                set txt $namecache($nk)
                if {![info exists twcache($txt)]} {
                    set twcache($txt) [font measure TkSmallCaptionFont $txt]
                }
                if {$x1 - $x0 > $twcache($txt) + 8} {
                    $c create text [expr {$x0 + 4}] [expr {($y0 + $y1) / 2}] -anchor w \
                        -text $txt -fill white \
                        -font TkSmallCaptionFont -tags [list spantext g$id s$ss]
                    lappend inside [expr {$x0 + 2}] [expr {$x0 + 6 + $twcache($txt)}]
                } else {
                    # too short to hold its label: the label goes beside it
                    lappend short $x0 $x1 $txt $ss $colcache($state,$reason)
                }
            }
            incr items
        } else {
            # summary block: the dominant state's colour, stippled; what its
            # blocked spans wait on goes to the margin (draw_margin_waits)
            if {$blk > 0} { set hidden_waits 1 }
            if {$blk >= $run && $blk >= $slp} { set col #8a5a9a } elseif {$slp > $run} {
                set col #c8c8c8 } else { set col #3cb44b }
            if {$pend ne "" && [lindex $pend 2] eq $col && $x0 <= [lindex $pend 1] + 1} {
                lset pend 1 $x1
                continue
            }
            if {$pend ne ""} {
                lassign $pend px0 px1 pcol pss
                $c create rectangle $px0 $y0 $px1 $y1 -fill $pcol -outline "" -stipple gray50 \
                    -tags [list block g$id s$pss]
                incr stats(blocks); incr items
            }
            set pend [list $x0 $x1 $col $ss]
            continue
        }
        if {$pend ne ""} {
            lassign $pend px0 px1 pcol pss
            $c create rectangle $px0 $y0 $px1 $y1 -fill $pcol -outline "" -stipple gray50 \
                -tags [list block g$id s$pss]
            incr stats(blocks); incr items
            set pend {}
        }
    }
    if {$pend ne ""} {
        lassign $pend px0 px1 pcol pss
        $c create rectangle $px0 $y0 $px1 $y1 -fill $pcol -outline "" -stipple gray50 \
            -tags [list block g$id s$pss]
        incr stats(blocks); incr items
    }
    set unplaced [draw_short_labels $id $short $y0 $y1 $inside]
    if {$bh} { draw_lock_band $id [expr {$y1 + 1}] [expr {$y1 + $bh}] $lo $hi }
    if {$bh} { draw_once_runs $id [expr {$y1 + 1}] [expr {$y1 + $bh}] $lo $hi }
    # start, end, leak markers
    set cs [dict get $g create_seq]
    set es [dict get $g end_seq]
    if {$es ne ""} {
        if {$es >= $lo && $es <= $hi} {
            set x [sx $es]
            $c create line $x [expr {$y0 - 1}] $x [expr {$y1 + 1}] -width 3 -fill #202020 \
                -tags [list gend g$id]
        }
    } elseif {$id != 1 && $hi >= $model::maxseq - 1} {
        # alive when the program ended: a leak when main returned normally
        set x [cx [sx $model::maxseq]]
        set st [lindex [model::span_at $id $model::maxseq] 0]
        set why [model::metaval end_reason truncated]
        # exit() called by another goroutine than main: it cut the others short
        set ender [model::metaval end_goroutine 1]
        if {$why eq "exit" && $ender ne "" && $ender != 1} {
            set txt [expr {$id == $ender ? "\u25a0 called exit()" \
                               : "\u25a0 alive at exit() (goroutine $ender)"}]
            set col #505050
        } elseif {$why eq "exit"} {
            set txt [expr {$st eq "running" ? "\u2716 leaked (running)" : "\u2716 leaked"}]
            set col #c00000
        } elseif {$why eq "truncated"} {
            set txt "\u25a0 alive (trace cut short)"
            set col #505050
        } else {
            set txt "\u25a0 alive at $why"
            set col #505050
        }
        $c create text [expr {$x + 3}] [expr {($y0 + $y1) / 2}] -anchor w -text $txt \
            -fill $col -font TkSmallCaptionFont -tags [list leak g$id]
    }
    # event ticks when they are far enough apart to read
    if {[room]} {
        set lim [expr {int([width] / 6)}]
        set evs [model::lane_events $id $lo $hi $lim]
        if {[llength $evs] / 4 <= $lim} {
            set lastx -100
            foreach {seq tns kind obj} $evs {
                set x [sx $seq]
                if {$x - $lastx < 5} continue
                set lastx $x
                $c create line $x [expr {$y1 - 4}] $x [expr {$y1 + 2}] -fill #303030 \
                    -tags [list ev e$seq g$id]
                incr stats(events)
                incr items
            }
        }
    }
    # shared-variable marks last: over the ticks and the end bar
    draw_var_marks $id $y0 $lo $hi
    draw_wg_marks $id $y1 $lo $hi
    draw_flags $id $y0 $y1 $lo $hi
    if {[llength $unplaced] || $hidden_waits} {
        draw_margin_waits $id $y0 $y1 $lo $hi $unplaced \
            [expr {$hidden_waits ? $minw : 0}]
    }
}

# A panic or a misuse the runtime caught (a lock copied after first use, a
# negative WaitGroup counter, a close of a closed channel): a red flag on
# the goroutine's lane, named when the next one leaves room.
proc timeline::draw_flags {id y0 y1 lo hi} {
    variable c; variable gflags; variable items
    if {![dict exists $gflags $id]} return
    set fl {}
    foreach f [dict get $gflags $id] {
        lassign $f seq txt
        if {$seq >= $lo && $seq <= $hi} { lappend fl [sx $seq] $seq $txt }
    }
    set n [llength $fl]
    set font TkSmallCaptionFont
    for {set i 0} {$i < $n} {incr i 3} {
        if {![room]} break
        lassign [lrange $fl $i [expr {$i + 2}]] x seq txt
        set ym [expr {($y0 + $y1) / 2}]
        $c create polygon $x [expr {$y0 - 2}] [expr {$x + 9}] [expr {$y0 + 2}] $x [expr {$y0 + 6}] \
            -fill #d00000 -outline #600000 -tags [list flag gflag g$id e$seq]
        $c create line $x [expr {$y0 - 2}] $x [expr {$y1 + 1}] -fill #600000 -width 2 \
            -tags [list flag gflag g$id e$seq]
        incr items 2
        set next [expr {$i + 3 < $n ? [lindex $fl $i+3] : [width]}]
        set prev [expr {$i > 0 ? [lindex $fl $i-3] : 0}]
        set tw [font measure $font $txt]
        set t ""
        if {$next - $x > $tw + 16} {
            set t [$c create text [expr {$x + 11}] $ym -anchor w -text $txt -fill #a00000 \
                       -font $font -tags [list flag gflag g$id e$seq]]
        } elseif {$x - $prev > $tw + 8} {
            # no room after it (the end of the run): before it
            set t [$c create text [expr {$x - 3}] $ym -anchor e -text $txt -fill #a00000 \
                       -font $font -tags [list flag gflag g$id e$seq]]
        }
        if {$t ne ""} {
            lassign [$c bbox $t] bx0 by0 bx1 by1
            set r [$c create rectangle [expr {$bx0 - 1}] $by0 [expr {$bx1 + 1}] $by1 \
                       -fill #fff0f0 -outline #d00000 -tags [list flag gflag g$id e$seq]]
            $c raise $t $r
        }
    }
}

# Labels of blocked bars too short to hold them (SHORT: x0 x1 text seq
# colour each), beside the bar on the lane's free space: right of it when
# the room up to the next label is free, else left of it.  Each on a white
# box, in the bar's colour, so that it reads as the bar's.  Returns those
# with no room beside them (text colour seq each), for the lane's margin.
proc timeline::draw_short_labels {id short y0 y1 {inside {}}} {
    variable c; variable items
    set unplaced {}
    if {![llength $short]} { return {} }
    set font TkSmallCaptionFont
    set ym [expr {($y0 + $y1) / 2}]
    set W [width]
    # right of the run's end are the end-of-run marks ("leaked", "alive at")
    set xend [expr {min($W, [sx $model::maxseq] - 2)}]
    set used -1000
    foreach {x0 x1 txt ss col} $short {
        if {$x1 < 0 || $x0 > $W} continue
        set tw [font measure $font $txt]
        # never over the label inside a wide bar (INSIDE: x0 x1 of each)
        set ra [expr {$x1 + 3}]; set la [expr {$x0 - 3 - $tw}]
        set rfree [expr {$ra > $used && $ra + $tw < $xend}]
        set lfree [expr {$la > $used && $la >= 0}]
        foreach {ix0 ix1} $inside {
            if {$ra < $ix1 && $ra + $tw > $ix0} { set rfree 0 }
            if {$la < $ix1 && $la + $tw > $ix0} { set lfree 0 }
        }
        if {$rfree} {
            set tx $ra
        } elseif {$lfree} {
            set tx $la
        } else {
            # no room beside it: the lane's margin says it (draw_margin_waits)
            lappend unplaced $txt $col $ss
            continue
        }
        set t [$c create text $tx $ym -anchor w -text $txt -fill #202020 -font $font \
                   -tags [list spantext shortlabel g$id s$ss]]
        lassign [$c bbox $t] bx0 by0 bx1 by1
        set r [$c create rectangle [expr {$bx0 - 1}] $by0 [expr {$bx1 + 1}] $by1 \
                   -fill #ffffff -outline $col -tags [list shortlabel g$id s$ss]]
        $c raise $t $r
        set used [expr {$bx1 + 4}]
        incr items 2
    }
    return $unplaced
}

# The locks goroutine ID holds, as a band from lock to unlock between Y0 and
# Y1 under its spans (lock_spans): a write hold (Mutex, RWMutex Lock) solid
# dark red, a read hold (RLock) light with a dashed outline.  A hold taken
# while another is held is drawn inset (the outer one shows above it).  Each
# is named inside where it has room before the next hold starts; else a run
# of such holds on one lock is named once, beside the run (left of it when
# free, so that a hold read before the one nested in it, else right).
proc timeline::draw_lock_band {id y0 y1 lo hi} {
    variable c; variable items; variable axis; variable lockname
    set W [width]
    set font {TkSmallCaptionFont 7}
    set holds {}
    set open {}; set openobj {}
    foreach {obj mode ss es sn en} [model::lock_spans $id $lo $hi] {
        if {![room]} break
        set x0 [cx [expr {$axis eq "ns" ? [ux $sn] : [sx $ss]}]]
        if {$es eq ""} {
            set x1 [cx [sx $model::maxseq]]
        } else {
            set x1 [cx [expr {$axis eq "ns" ? [ux $en] : [sx $es]}]]
        }
        if {$x1 - $x0 < 2} { set x1 [expr {$x0 + 2}] }
        # level of detail: holds of one lock and mode closer than a pixel
        # (a lock taken in a tight loop, zoomed out) widen the last band
        if {[info exists last] && [lindex $last 0] eq "$obj $mode" && $x0 <= [lindex $last 2] + 1
            && $x1 - $x0 < 3} {
            set r [lindex $last 1]
            set x1 [expr {max($x1, [lindex $last 2])}]
            lassign [$c coords $r] ox0 oy0 - oy1
            $c coords $r $ox0 $oy0 $x1 $oy1
            lset last 2 $x1
            lset open end $x1
            lset holds end 3 $x1
            continue
        }
        # nesting: how many holds drawn so far still cover x0
        # a lock taken again while this goroutine holds it (a recursive
        # RLock: deadlocks once a writer waits between the two)
        set depth 0; set again 0
        foreach e $open o $openobj { if {$e > $x0} { incr depth; if {$o == $obj} { set again 1 } } }
        lappend open $x1; lappend openobj $obj
        if {![info exists lockname($obj)]} { set lockname($obj) [model::lock_label $obj] }
        set ya [expr {$depth ? $y0 + 2 : $y0}]
        if {$mode eq "read" && $again} {
            set r [$c create rectangle $x0 $ya $x1 $y1 -fill #ffd6dc -outline #d00000 -width 2 \
                -tags [list lockband read again g$id o$obj s$ss]]
            set txt "read-locks $lockname($obj) again"; set fg #d00000
        } elseif {$mode eq "read"} {
            set r [$c create rectangle $x0 $ya $x1 $y1 -fill #ffd6dc -outline #c62828 -dash {3 2} \
                -tags [list lockband read g$id o$obj s$ss]]
            set txt "read-holds $lockname($obj)"; set fg #8b0000
        } else {
            set r [$c create rectangle $x0 $ya $x1 $y1 -fill #b71c1c \
                -outline [expr {$depth ? "#ffd6dc" : ""}] -tags [list lockband write g$id o$obj s$ss]]
            set txt "holds $lockname($obj)"; set fg #ffffff
        }
        incr items
        lappend holds [list $obj $mode $x0 $x1 $txt $fg]
        set last [list "$obj $mode" $r $x1]
    }
    if {$y1 - $y0 < 8} return
    set ym [expr {($y0 + $y1) / 2.0}]
    set starts [lsort -real [lmap h $holds {lindex $h 2}]]
    set runs {}
    foreach h $holds {
        lassign $h obj mode x0 x1 txt fg
        # room inside: up to its end or the next hold that starts inside it
        set end $x1
        foreach s2 $starts { if {$s2 > $x0 + 0.5 && $s2 < $end} { set end $s2; break } }
        set tx [expr {max(0, $x0) + 3}]
        set room [expr {min($W, $end) - $tx - 2}]
        if {$room > [font measure $font $txt]} {
            $c create text $tx $ym -anchor w -text $txt -fill $fg \
                -font $font -tags [list lockband locktext g$id o$obj]
        } elseif {[string match "* again" $txt] && $room > [font measure $font "again"]} {
            # the word that matters: the lock is the one of the band around
            $c create text $tx $ym -anchor w -text "again" \
                -fill $fg -font $font -tags [list lockband locktext g$id o$obj]
        } elseif {$room > [font measure $font $lockname($obj)]} {
            $c create text $tx $ym -anchor w -text $lockname($obj) \
                -fill $fg -font $font -tags [list lockband locktext g$id o$obj]
        } elseif {[llength $runs] && [lindex $runs end 0] eq "$obj $mode"} {
            lset runs end 2 [expr {max([lindex $runs end 2], $x1)}]
        } else {
            lappend runs [list "$obj $mode" $x0 $x1 $txt]
        }
    }
    # name each run of unnamed holds beside it, in dark red on the lane:
    # left of it when free back to the previous hold's end, else right of
    # it when free up to the next hold's start (past every hold open there)
    set used -1000
    foreach r $runs {
        lassign $r key rx0 rx1 txt
        set tw [font measure $font $txt]
        # right of it: past the end of every hold still open there
        set rx [expr {$rx1 + 4}]
        foreach h $holds {
            lassign $h - - hx0 hx1
            if {$hx0 < $rx && $hx1 > $rx1 + 0.5} { set rx [expr {max($rx, $hx1 + 4)}] }
        }
        set next $W
        foreach s2 $starts { if {$s2 > $rx - 4} { set next $s2; break } }
        set prev 0
        foreach h $holds {
            lassign $h - - hx0 hx1
            if {$hx1 <= $rx0 && $hx1 > $prev} { set prev $hx1 }
        }
        # left first: a hold taken before a nested one reads first
        # ("holds A.mu [holds B.mu]": A, then B)
        if {$rx0 - 4 - $tw > max($prev + 2, $used)} {
            set tx [expr {$rx0 - 4 - $tw}]
        } elseif {$rx + $tw < min($W, $next - 2) && $rx > $used} {
            set tx $rx
        } else continue
        $c create text $tx $ym -anchor w -text $txt -fill #8b0000 \
            -font $font -tags [list lockband locktext g$id o[lindex $key 0]]
        set used [expr {$tx + $tw + 4}]
    }
}

# Shared-variable accesses (SHARED_READ / SHARED_WRITE) of goroutine ID: a
# mark at the top of its lane, a write a solid triangle, a read a hollow
# one, named when the next mark leaves room.  Drawn whether or not the
# findings are shown: a race is two such marks on two lanes with nothing
# ordering them.
proc timeline::draw_var_marks {id y0 lo hi} {
    variable c; variable items; variable namecache
    set rows [model::var_accesses $id $lo $hi]
    if {![llength $rows]} return
    set font {TkSmallCaptionFont 7}
    # accesses to one variable closer than 12 px make one mark (x++ is a
    # read then a write): a write if any of them writes, "read+write"
    set marks {}
    foreach {seq kind obj} $rows {
        set x [sx $seq]
        set k [expr {$kind == $::trace::EV(var_write) ? "write" : "read"}]
        if {[llength $marks]} {
            lassign [lindex $marks end] px pobj pks pseq
            if {$pobj == $obj && $x - $px < 12} {
                if {$k ni $pks} { lappend pks $k }
                lset marks end [list $px $pobj $pks $pseq]
                continue
            }
            if {$x - $px < 3} continue
        }
        lappend marks [list $x $obj [list $k] $seq]
    }
    set n [llength $marks]
    for {set i 0} {$i < $n} {incr i} {
        if {![room]} break
        lassign [lindex $marks $i] x obj ks seq
        set pts [list [expr {$x - 5}] [expr {$y0 - 2}] [expr {$x + 5}] [expr {$y0 - 2}] \
                     $x [expr {$y0 + 7}]]
        if {"write" in $ks} {
            $c create polygon $pts -fill #e65100 -outline #7f2b00 -tags [list varmark write g$id e$seq]
        } else {
            $c create polygon $pts -fill #ffffff -outline #e65100 -width 1.5 \
                -tags [list varmark read g$id e$seq]
        }
        incr items
        set next [expr {$i + 1 < $n ? [lindex $marks $i+1 0] : 1e9}]
        if {![info exists namecache($obj)]} { set namecache($obj) [model::object_label $obj short] }
        set txt "[join [lsort $ks] +] $namecache($obj)"
        if {$next - $x > [font measure $font $txt] + 12} {
            $c create text [expr {$x + 7}] [expr {$y0 + 1}] -anchor w -text $txt \
                -fill #7f2b00 -font $font -tags [list varmark vartext g$id e$seq]
        }
    }
}



proc timeline::draw_channel {ln y lo hi} {
    upvar #0 ::trace::EV EV
    variable c; variable items; variable stats; variable ppu
    set id [dict get $ln id]; set ch [dict get $ln ch]; set h [dict get $ln h]
    set rows [dict get $ln rows]; set cap [dict get $ch cap]
    $c create rectangle -10 $y [expr {[width] + 10}] [expr {$y + $h}] -fill #f2f6ff \
        -outline "" -tags [list lane ch$id]
    $c create line -10 [expr {$y + $h - 1}] [expr {[width] + 10}] [expr {$y + $h - 1}] \
        -fill #d0d8e8 -tags [list lane ch$id]
    incr stats(lanes)
    set top [expr {$y + 7}]
    # tokens: each buffered message from its send to its receive, row = slot;
    # more than one per 2 pixels sent in the window: one band instead
    # ("zoom in"), as spans merge into summary blocks
    set lim [expr {max(200, int([width] / 2))}]
    set tok [model::chan_tokens_before $id $lo $cap $lim]
    set tin [model::chan_tokens_in $id $lo $hi [expr {$lim + 1}]]
    if {[llength $tin] / 6 > $lim} {
        set x0 [cx [sx [lindex $tin 1]]]
        set x1 [cx [sx $hi]]
        $c create rectangle $x0 $top [expr {max($x0 + 2, $x1)}] [expr {$top + 9 * $rows - 2}] \
            -fill #9ec5ff -outline "" -stipple gray50 -tags [list tokband ch$id]
        $c create text [expr {max(0, $x0) + 4}] [expr {$top + 4}] -anchor w \
            -text "many messages: zoom in" -font {TkSmallCaptionFont 7} -fill #1f4e9c \
            -tags [list tokband ch$id]
        incr items
        set tin {}
    }
    foreach {msg ss rs slot val hasv} [concat $tok $tin] {
        if {![room]} break
        set x0 [cx [sx $ss]]
        set x1 [cx [expr {$rs < 0 ? [sx $model::maxseq] : [sx $rs]}]]
        set r [expr {$slot % $rows}]
        set ty [expr {$top + 9 * $r}]
        set fill [expr {$rs < 0 ? "#ffb3b3" : "#9ec5ff"}]
        $c create rectangle $x0 $ty [expr {max($x0 + 2, $x1)}] [expr {$ty + 7}] -fill $fill \
            -outline #4a6fa5 -tags [list tok ch$id m$msg s$ss]
        if {$hasv && $x1 - max(0, $x0) > 14} {
            $c create text [expr {max(0, $x0) + 2}] [expr {$ty + 3}] -anchor w -text $val \
                -font {TkSmallCaptionFont 7} -tags [list tokv ch$id m$msg]
        }
        incr stats(tokens); incr items
    }
    if {$cap == 0} {
        # unbuffered: a dot where each hand-off happened
        foreach {seq tns kind g a s} [model::obj_events $id chan_recv $lo $hi 2000] {
            if {![room]} break
            set x [sx $seq]
            $c create oval [expr {$x - 2}] [expr {$y + $h / 2 - 2}] [expr {$x + 2}] \
                [expr {$y + $h / 2 + 2}] -fill #4363d8 -outline "" -tags [list handoff ch$id s$seq]
            incr items
        }
    }
    # closes and panics: read once per trace (model::channel_closes,
    # model::object_panics), not per lane and window
    variable panics
    set marks {}
    foreach seq [dict get $ch close_seqs] {
        if {$seq >= $lo && $seq <= $hi} { lappend marks $seq $EV(chan_close) "" }
    }
    if {[dict exists $panics $id]} {
        foreach p [dict get $panics $id] {
            lassign $p seq s
            if {$seq >= $lo && $seq <= $hi} { lappend marks $seq $EV(panic) $s }
        }
    }
    # a timer's fires and stop, a context's cancel, on their channel's lane
    variable objmarks
    if {[dict exists $objmarks $id]} {
        set lastx -100
        foreach m [dict get $objmarks $id] {
            lassign $m seq kind
            if {$seq < $lo || $seq > $hi} continue
            if {$kind == $EV(timer_fire)} {
                set x [sx $seq]
                if {$x - $lastx < 3} continue
                set lastx $x
            }
            lappend marks $seq $kind ""
        }
    }
    foreach {seq kind s} [lrange $marks 0 599] {
        set x [sx $seq]
        if {$kind == $EV(timer_fire)} {
            # a tick: a small clock-hand triangle at the top of the lane
            $c create polygon [expr {$x - 4}] [expr {$y + 1}] [expr {$x + 4}] [expr {$y + 1}] \
                $x [expr {$y + 7}] -fill #546e7a -outline "" -tags [list objmark fire ch$id s$seq]
            continue
        }
        if {$kind == $EV(timer_stop) || $kind == $EV(ctx_cancel)} {
            set stop [expr {$kind == $EV(timer_stop)}]
            set col [expr {$stop ? "#37474f" : "#ef6c00"}]
            set txt [expr {$stop ? "stopped" : "cancelled"}]
            $c create line $x $y $x [expr {$y + $h}] -width 3 -fill $col \
                -tags [list objmark [expr {$stop ? "stop" : "cancel"}] ch$id s$seq]
            $c create text [expr {$x + 3}] [expr {$y + $h - 2}] -anchor sw -text $txt -fill $col \
                -font TkSmallCaptionFont -tags [list objmark ch$id]
            continue
        }
        if {$kind == $EV(chan_close)} {
            $c create line $x $y $x [expr {$y + $h}] -width 3 -fill #000000 \
                -tags [list close ch$id s$seq]
            # a context's Done channel closed by its cancel: "cancelled" says it
            set bycancel 0
            foreach {s2 k2 -} $marks {
                if {$k2 == 41 && abs([sx $s2] - $x) < 40} { set bycancel 1; break }
            }
            if {!$bycancel} {
                $c create text [expr {$x + 3}] [expr {$y + 2}] -anchor nw -text "closed" \
                    -font TkSmallCaptionFont -tags [list close ch$id]
            }
        } else {
            $c create text $x [expr {$y + $h / 2}] -text "\u2691 $s" -anchor w -fill #c00000 \
                -font TkSmallCaptionFont -tags [list flag ch$id s$seq]
        }
    }
    # (a timer's or a context's channel is never closed, by design)
    if {[llength [dict get $ch close_seqs]] == 0 && $hi >= $model::maxseq - 1
        && ![dict exists $objmarks $id]} {
        set x [cx [sx $model::maxseq]]
        $c create text [expr {$x + 3}] [expr {$y + $h / 2}] -anchor w -text "never closed" \
            -fill #707070 -font TkSmallCaptionFont -tags [list neverclosed ch$id]
    }
}

# Arrows: send -> receive (through the channel lane when buffered), and the
# other happens-before edges, for the selected goroutine or for all.
proc timeline::draw_arrows {lo hi} {
    variable c; variable arrows; variable sel_g; variable laney; variable edgecolor
    variable stats; variable items
    if {$arrows eq "none"} return
    if {$arrows eq "sel" && $sel_g eq ""} return
    set g [expr {$arrows eq "sel" ? $sel_g : ""}]
    set col [dict get $edgecolor msg]
    # level of detail: one arrow per 3 px for the same pair of lanes
    array set seen {}
    set amax [expr {min(2000, max(200, int([width])))}]
    foreach {msg ch ss rs slot val hasv sg rg} [model::messages $lo $hi $g $amax] {
        if {![room]} break
        if {![info exists laney(g$sg)]} continue
        set xs [sx $ss]; set ys $laney(g$sg)
        set key $sg,$rg,$ch,[expr {int($xs / 3)}]
        if {[info exists seen($key)]} continue
        set seen($key) 1
        if {$slot ne "" && $slot >= 0 && [info exists laney(ch$ch)]} {
            set yc $laney(ch$ch)
            $c create line [cx $xs] $ys [cx $xs] $yc -arrow last -fill $col -width 1.5 \
                -tags [list arrow msg m$msg]
            incr stats(arrows)
            if {$rs ne "" && [info exists laney(g$rg)]} {
                set xr [sx $rs]
                $c create line [cx $xr] $yc [cx $xr] $laney(g$rg) -arrow last -fill $col \
                    -width 1.5 -tags [list arrow msg m$msg]
                incr stats(arrows)
            }
        } elseif {$rs ne "" && [info exists laney(g$rg)]} {
            $c create line [cx $xs] $ys [cx [sx $rs]] $laney(g$rg) -arrow last -fill $col \
                -width 1.5 -tags [list arrow msg m$msg]
            incr stats(arrows)
        }
        incr items
    }
    foreach {fs ts kind fg tg} [model::edges $lo $hi $g $amax] {
        if {![room]} break
        if {![info exists laney(g$fg)] || ![info exists laney(g$tg)]} continue
        set col [expr {[dict exists $edgecolor $kind] ? [dict get $edgecolor $kind] : "#555555"}]
        set dash [expr {$kind eq "spawn" ? "" : "4 2"}]
        $c create line [cx [sx $fs]] $laney(g$fg) [cx [sx $ts]] $laney(g$tg) -arrow last \
            -fill $col -width 1.5 -dash $dash -tags [list arrow edge $kind]
        incr stats(arrows); incr items
    }
}

proc timeline::draw_cursor {} {
    variable c; variable cursor
    $c delete cursor
    if {$cursor eq ""} return
    set x [sx $cursor]
    $c create line $x 0 $x [height] -fill #d00000 -width 2 -tags cursor
    $c create text [expr {$x + 3}] [expr {[height] - 2}] -anchor sw -text "now: $cursor" \
        -fill #d00000 -font TkSmallCaptionFont -tags cursor
}

proc timeline::draw_labels {} {
    variable lab; variable lanes; variable ytop; variable collapsed; variable sel_g
    $lab delete all
    set H [height]
    lassign [lanes_in_view $ytop [expr {$ytop + $H}]] i0 i1
    for {set i $i0} {$i <= $i1} {incr i} {
        set ln [lane_dict $i]
        set y [expr {[dict get $ln y] - $ytop}]
        set h [dict get $ln h]
        if {$y + $h < 0 || $y > $H} continue
        set mid [expr {$y + $h / 2}]
        switch [dict get $ln type] {
            hdr {
                $lab create rectangle 0 $y 400 [expr {$y + $h}] -fill #e8e8e8 -outline ""
                $lab create text 4 $mid -anchor w -text [dict get $ln label] \
                    -font TkHeadingFont
            }
            g {
                set id [dict get $ln id]; set g [dict get $ln g]
                if {$id == $sel_g} {
                    $lab create rectangle 0 $y 400 [expr {$y + $h}] -fill #fff6c8 -outline ""
                }
                set x [expr {6 + 12 * min(8, [dict get $ln depth])}]
                if {[dict get $g children] > 0} {
                    set tri [expr {[info exists collapsed($id)] ? "\u25b8" : "\u25be"}]
                    $lab create text $x $mid -text $tri -tags [list toggle t$id]
                }
                set col [expr {[dict get $g end_seq] eq "" && $id != 1 ? "#b00000" : "black"}]
                $lab create text [expr {$x + 8}] $mid -anchor w -text [dict get $ln label] \
                    -fill $col -tags [list label l$id]
            }
            ch {
                set ch [dict get $ln ch]
                set capt [expr {[dict get $ch cap] ? "cap [dict get $ch cap]" : "unbuffered"}]
                $lab create text 6 $mid -anchor w -text "\u21c4 [dict get $ln label] ($capt)" \
                    -fill #1f4e9c -tags [list label c[dict get $ln id]]
            }
        }
    }
}

proc timeline::draw_ruler {} {
    variable ruler; variable axis; variable u0; variable ppu
    $ruler delete all
    set W [width]
    set span [expr {$W / $ppu}]
    # a round step giving ~100 px between ticks
    set raw [expr {100.0 / $ppu}]
    set p [expr {pow(10, floor(log10(max(1e-9, $raw))))}]
    foreach m {1 2 5 10} { if {$p * $m >= $raw} { set step [expr {$p * $m}]; break } }
    if {$axis eq "seq"} { set step [expr {max(1, round($step))}] }
    set u [expr {ceil($u0 / $step) * $step}]
    while {$u < $u0 + $span} {
        set x [ux $u]
        $ruler create line $x 14 $x 24 -fill #606060
        $ruler create text [expr {$x + 2}] 2 -anchor nw -text [fmt_unit $u] \
            -font TkSmallCaptionFont
        set u [expr {$u + $step}]
    }
    set corner [winfo parent $ruler].corner
    $corner delete axis
    $corner create text 184 12 -anchor e -font TkSmallCaptionFont -fill #404080 -tags axis \
        -text [expr {$axis eq "seq" ? "axis: event order \u2192" : "axis: wall time \u2192"}]
}
proc timeline::fmt_unit {u} {
    variable axis
    if {abs($u) < 1e-6} { set u 0 }
    if {$axis eq "seq"} { return [expr {wide($u)}] }
    if {abs($u) >= 1e9} { return [format %.3gs [expr {$u / 1e9}]] }
    if {abs($u) >= 1e6} { return [format %.3gms [expr {$u / 1e6}]] }
    if {abs($u) >= 1e3} { return [format %.3g\u00b5s [expr {$u / 1e3}]] }
    return [format %gns $u]
}

proc timeline::update_scrollbar {} {
    variable c; variable ytop; variable total_h
    set w [winfo parent $c]
    set th [expr {max(1, $total_h)}]
    $w.vs set [expr {double($ytop) / $th}] [expr {min(1.0, double($ytop + [height]) / $th)}]
}

proc timeline::fmt_ns {ns} {
    if {$ns eq ""} { return "" }
    if {$ns >= 1e9} { return [format "%.3f s" [expr {$ns / 1e9}]] }
    if {$ns >= 1e6} { return [format "%.3f ms" [expr {$ns / 1e6}]] }
    if {$ns >= 1e3} { return [format "%.1f \u00b5s" [expr {$ns / 1e3}]] }
    return "$ns ns"
}
