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
    variable lanes {}      ;# list of dicts: type id y h label depth (visible lanes only)
    variable laney         ;# array: g<ID> / ch<ID> -> center y
    array set laney {}
    variable collapsed     ;# array: gid -> 1
    array set collapsed {}
    variable filter ""
    variable gors {}       ;# model::goroutines
    variable chans {}      ;# model::channels
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
    variable namecache     ;# object id -> name (per trace)
    array set namecache {}
    variable drag {}
    variable LANE_H 22
    variable LABEL_W 190
    variable MINPX 3       ;# spans narrower than this many pixels are merged

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
    }
    variable legend {
        running "running" send "blocked on send" recv "blocked on receive"
        select "blocked on select" lock "blocked on lock" wg "blocked on WaitGroup"
        cond "blocked on Cond" sleeping "sleeping" nil "nil channel / other"
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
    variable collapsed; array unset collapsed
    variable sel_g ""; variable sel_seq ""; variable hl {}; variable ytop 0
    variable nscache; array unset nscache
    variable namecache; array unset namecache
    layout
    fit
}

# Compute the visible lanes (collapse + filter) and their y positions.
proc timeline::layout {} {
    variable gors; variable chans; variable collapsed; variable filter
    variable lanes {}; variable laney; variable LANE_H
    array unset laney
    set LANE_H [expr {[llength $gors] <= 12 ? 32 : 22}]
    set y 24            ;# room for the finding banner
    set hide {}
    set pat [expr {$filter eq "" ? "*" : "*[string tolower $filter]*"}]
    lappend lanes [dict create type hdr id gor y $y h 18 label "goroutines ([llength $gors])"]
    incr y 18
    set hidden_depth -1
    foreach g $gors {
        set id [dict get $g id]; set depth [dict get $g depth]
        if {$hidden_depth >= 0 && $depth > $hidden_depth} continue
        set hidden_depth -1
        if {[info exists collapsed($id)]} { set hidden_depth $depth }
        set name "[dict get $g name] #$id"
        if {![string match $pat [string tolower $name]]} continue
        lappend lanes [dict create type g id $id y $y h $LANE_H depth $depth label $name \
                           g $g]
        set laney(g$id) [expr {$y + $LANE_H / 2}]
        incr y $LANE_H
    }
    if {[llength $chans]} {
        lappend lanes [dict create type hdr id chan y $y h 18 label "channels ([llength $chans])"]
        incr y 18
    }
    foreach ch $chans {
        set id [dict get $ch id]
        set name [dict get $ch name]
        if {![string match $pat [string tolower $name]]} continue
        set rows [expr {max(1, min(4, [dict get $ch cap]))}]
        set h [expr {14 + 9 * $rows}]
        lappend lanes [dict create type ch id $id y $y h $h label $name ch $ch rows $rows]
        set laney(ch$id) [expr {$y + $h / 2}]
        incr y $h
    }
    variable total_h $y
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
    lassign [extent] a b
    set pad [expr {($b - $a) * 0.02}]
    zoom_to [expr {$a - $pad}] [expr {$b + $pad}]
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
    schedule
}
proc timeline::pan {dxpx} {
    variable u0; variable ppu
    set u0 [expr {$u0 + $dxpx / $ppu}]
    schedule
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
    foreach ln $lanes {
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
    draw_cursor
    if {$truncated} {
        $c create text [expr {[width] - 8}] [expr {$H - 8}] -anchor se -tags note \
            -text "detail capped at $timeline::maxitems items: zoom in" -fill #b00000
    }
    draw_labels
    draw_ruler
    update_scrollbar
    set stats(items) [llength [$c find all]]
    set stats(ms) [expr {([clock microseconds] - $t0) / 1000.0}]
    event generate $c <<Redrawn>> -when tail
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
    set id [dict get $ln id]
    set g [dict get $ln g]
    set h [dict get $ln h]
    set y0 [expr {$y + 3}]; set y1 [expr {$y + $h - 3}]
    set bg [expr {$id == $sel_g ? "#fff6c8" : ([dict get $ln y] / $h % 2 ? "#fafafa" : "#ffffff")}]
    $c create rectangle -10 $y [expr {[width] + 10}] [expr {$y + $h}] -fill $bg -outline "" \
        -tags [list lane g$id]
    incr stats(lanes)
    set minw [expr {$MINPX / $ppu}]
    set rows [model::lod_spans $id $lo $hi [expr {$axis eq "ns" ? "ns" : "seq"}] $minw]
    set leaked 0
    # hot loop: plain arithmetic, colours and names from caches; adjacent
    # summary blocks of one colour become one item
    variable u0; variable maxitems; variable colcache; variable namecache
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
            if {$open} {
                $c create rectangle $x0 $y0 $x1 $y1 -fill $colcache($state,$reason) \
                    -outline #b00000 -width 2 -tags [list span g$id s$ss]
                if {$state ne "running"} { set leaked 1 }
            } else {
                $c create rectangle $x0 $y0 $x1 $y1 -fill $colcache($state,$reason) \
                    -outline "" -tags [list span g$id s$ss]
            }
            incr stats(spans)
            if {$x1 - $x0 > 60 && $state eq "blocked"} {
                if {![info exists namecache($obj)]} { set namecache($obj) [model::object_name $obj] }
                $c create text [expr {$x0 + 4}] [expr {($y0 + $y1) / 2}] -anchor w \
                    -text "$reason $namecache($obj)" -fill white \
                    -font TkSmallCaptionFont -tags [list spantext g$id s$ss]
            }
            incr items
        } else {
            # summary block: the dominant state's colour, stippled
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
        if {$why eq "exit"} {
            set txt [expr {$st eq "running" ? "\u2716 leaked (running)" : "\u2716 leaked"}]
            set col #c00000
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
}

proc timeline::draw_channel {ln y lo hi} {
    variable c; variable items; variable stats; variable ppu
    set id [dict get $ln id]; set ch [dict get $ln ch]; set h [dict get $ln h]
    set rows [dict get $ln rows]; set cap [dict get $ch cap]
    $c create rectangle -10 $y [expr {[width] + 10}] [expr {$y + $h}] -fill #f2f6ff \
        -outline "" -tags [list lane ch$id]
    $c create line -10 [expr {$y + $h - 1}] [expr {[width] + 10}] [expr {$y + $h - 1}] \
        -fill #d0d8e8 -tags [list lane ch$id]
    incr stats(lanes)
    set top [expr {$y + 7}]
    # tokens: each buffered message from its send to its receive, row = slot
    set tok [model::chan_tokens $id $lo $hi]
    foreach {msg ss rs slot val hasv} $tok {
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
        foreach {seq tns kind g a s} [model::obj_events $id {14} $lo $hi 2000] {
            if {![room]} break
            set x [sx $seq]
            $c create oval [expr {$x - 2}] [expr {$y + $h / 2 - 2}] [expr {$x + 2}] \
                [expr {$y + $h / 2 + 2}] -fill #4363d8 -outline "" -tags [list handoff ch$id s$seq]
            incr items
        }
    }
    foreach {seq tns kind g a s} [model::obj_events $id {15 53} $lo $hi 200] {
        set x [sx $seq]
        if {$kind == 15} {
            $c create line $x $y $x [expr {$y + $h}] -width 3 -fill #000000 \
                -tags [list close ch$id s$seq]
            $c create text [expr {$x + 3}] [expr {$y + 2}] -anchor nw -text "closed" \
                -font TkSmallCaptionFont -tags [list close ch$id]
        } else {
            $c create text $x [expr {$y + $h / 2}] -text "\u2691 $s" -anchor w -fill #c00000 \
                -font TkSmallCaptionFont -tags [list flag ch$id s$seq]
        }
    }
    if {[llength [dict get $ch close_seqs]] == 0 && $hi >= $model::maxseq - 1} {
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
    foreach {msg ch ss rs slot val hasv sg rg} [model::messages $lo $hi $g] {
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
    foreach {fs ts kind fg tg} [model::edges $lo $hi $g] {
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
    foreach ln $lanes {
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

# ---- finding highlight -------------------------------------------------------

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
    if {[llength $gs]} { scroll_to_g [lindex $gs 0] }
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
        deadlock - partial_deadlock - lock_order { hl_cycle $refs }
        leak { hl_leak $refs }
        race { hl_race $refs }
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
            $c addtag panicmark withtag [caption [expr {$x - 16}] [expr {$y - 14}] se \
                "panic: $msg$where"]
        } else {
            $c create oval [expr {$x - 6}] [expr {$y - 6}] [expr {$x + 6}] [expr {$y + 6}] \
                -outline #d00000 -width 2 -tags [list hl hlpoint]
            caption [expr {$x - 8}] [expr {$y + 12}] ne \
                "[string map {_ " "} [dict get $e kname]] [model::object_name $o]" TkSmallCaptionFont
            if {$px ne ""} {
                $c create line $x $y $px $py -dash {6 3} -fill #d00000 -width 2 -tags [list hl]
            }
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
            -font TkSmallCaptionFont -tags [list hl] -text $role
    }
}

# ---- lanes: reveal, scroll, select -------------------------------------------

proc timeline::reveal {g} {
    variable gors; variable collapsed
    array set parent {}
    foreach d $gors { set parent([dict get $d id]) [dict get $d parent] }
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
    set yy [expr {$y + $ytop}]
    foreach ln $lanes {
        if {$yy >= [dict get $ln y] && $yy < [dict get $ln y] + [dict get $ln h]} {
            if {[dict get $ln type] eq "g"} { select_g [dict get $ln id] }
        }
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
    if {[dict get $e kind] != 4} return
    set w [dict get $e a]
    if {$w eq "" || $w == 0} return
    reveal $w
    select_g $w $es
    return $w
}

proc timeline::fmt_ns {ns} {
    if {$ns eq ""} { return "" }
    if {$ns >= 1e9} { return [format "%.3f s" [expr {$ns / 1e9}]] }
    if {$ns >= 1e6} { return [format "%.3f ms" [expr {$ns / 1e6}]] }
    if {$ns >= 1e3} { return [format "%.1f \u00b5s" [expr {$ns / 1e3}]] }
    return "$ns ns"
}
