# lanemarks.tcl — what a goroutine lane says besides its spans and lock
# bands (timeline.tcl draws those and calls these): the margin listing the
# blocked bars too short to say what they wait on, the band of a goroutine
# running a Once's function, and WaitGroup Add/Done marks.
#
# Canvas tags: marginwait (+ marginnote for the grey "earlier:" / "+N more"),
# onceband (+ oncetext), wgmark (+ wgtext); each with g<ID>.

# Every blocked bar says what it waits on.  Those that could say it neither
# inside nor beside them (UNPLACED: text colour seq each) and, when MINW > 0,
# the blocked spans merged into summary blocks (narrower than MINW units: one
# query) are listed in the lane's margin: right of the end of the run (and of
# its "leaked"/"alive at" mark) when it is in view, else at the right edge of
# the view.  First what the goroutine is still blocked on at the end, when
# its final bar does not say it; then, after a grey "earlier:", the others:
# one white box per thing waited on, outlined in its bar's colour, "×N" when
# N bars wait on it; at most 3, then "+N more (zoom in)".
proc timeline::draw_margin_waits {id y0 y1 lo hi unplaced minw} {
    variable c; variable items; variable axis; variable namecache; variable colcache
    variable MINPX
    set order {}
    array set cnt {}; array set col {}; array set seq {}
    foreach {txt cl ss} $unplaced {
        if {![info exists cnt($txt)]} { lappend order $txt; set cnt($txt) 0; set col($txt) $cl; set seq($txt) $ss }
        incr cnt($txt)
        set unseq($ss) 1
    }
    if {$minw > 0} {
        foreach {reason obj n ss} [model::short_waits $id $lo $hi \
                                      [expr {$axis eq "ns" ? "ns" : "seq"}] $minw] {
            if {![info exists namecache($reason,$obj)]} {
                set namecache($reason,$obj) [model::waits_on $reason $obj]
            }
            set txt $namecache($reason,$obj)
            if {![info exists cnt($txt)]} {
                lappend order $txt; set cnt($txt) 0; set seq($txt) $ss
                if {![info exists colcache(blocked,$reason)]} {
                    set colcache(blocked,$reason) [color blocked $reason]
                }
                set col($txt) $colcache(blocked,$reason)
            }
            incr cnt($txt) $n
        }
    }
    if {![llength $order]} return
    # the final bar, blocked to the end, among them?
    set fin ""
    if {$hi >= $model::maxseq - 1} {
        lassign [model::span_at $id $model::maxseq] st rs ob fss fes fopen
        if {$st eq "blocked" && $fopen ne "" && $fopen} {
            if {[info exists unseq($fss)]} {
                # the unplaced entry of that span
                foreach {txt cl ss} $unplaced { if {$ss == $fss} { set fin $txt; break } }
            } elseif {$minw > 0 && [sx $model::maxseq] - [sx $fss] < $MINPX} {
                # merged into the last summary block (counted by short_waits)
                set fin [model::waits_on $rs $ob]
            }
        }
    }
    set items_ {}
    if {$fin ne "" && [info exists cnt($fin)]} {
        lappend items_ [list box $fin $col($fin) $seq($fin) 1]
        incr cnt($fin) -1
        if {!$cnt($fin)} { set order [lsearch -all -inline -not -exact $order $fin] }
    }
    if {[llength $order]} {
        lappend items_ [list note "earlier:" "" "" 0]
        foreach txt [lrange $order 0 2] {
            lappend items_ [list box $txt $col($txt) $seq($txt) $cnt($txt)]
        }
        set more [expr {[llength $order] - 3}]
        if {$more > 0} { lappend items_ [list note "+$more more (zoom in)" "" "" 0] }
    }
    set font TkSmallCaptionFont
    set ym [expr {($y0 + $y1) / 2}]
    set W [width]
    # right of the end of the run and of what is written there
    set x [expr {[sx $model::maxseq] + 4}]
    foreach i [$c find withtag "leak&&g$id"] {
        set x [expr {max($x, [lindex [$c bbox $i] 2] + 6)}]
    }
    set right [expr {$x > $W - 40}]
    # the text of each item and the room it takes
    set texts {}; set need 0
    foreach it $items_ {
        lassign $it kind txt cl ss k
        if {$kind eq "box" && $k > 1} { append txt " \u00d7$k" }
        lappend texts $txt
        incr need [expr {[font measure $font $txt] + 7}]
    }
    # rows: one at the middle of the lane; two when it does not fit in one
    # and the lane is tall enough (at the right edge of the view: one)
    set rows [list $ym]
    if {$right} {
        set x [expr {$W - 4}]; set items_ [lreverse $items_]; set texts [lreverse $texts]
    } elseif {$x + $need > $W - 4 && $y1 - $y0 >= 24} {
        set rows [list [expr {$ym - 7}] [expr {$ym + 7}]]
        # the end-of-run mark moves up to the first row; the second starts
        # at the end of the run
        foreach i [$c find withtag "leak&&g$id"] {
            lassign [$c coords $i] lx
            $c coords $i $lx [lindex $rows 0]
        }
    }
    set x0 [expr {[llength $rows] > 1 ? [sx $model::maxseq] + 4 : $x}]
    set row 0
    set fresh 1      ;# nothing on this row yet, or the "earlier:" of this box
    set keep 0       ;# right after "earlier:": on its row, whatever the room
    set nit [llength $items_]
    for {set j 0} {$j < $nit} {incr j} {
        lassign [lindex $items_ $j] kind txt cl ss k
        set t [lindex $texts $j]
        set y [lindex $rows $row]
        # ("earlier:" goes with the box after it)
        set tw [font measure $font $t]
        if {$kind eq "note" && $j + 1 < $nit} {
            incr tw [expr {7 + [font measure $font [lindex $texts $j+1]]}]
        }
        # past the right edge: the next row (when it has more room), else
        # the rest is counted, "+N more (zoom in)"; a thing alone on a row
        # is said even if it runs past the edge
        set last [expr {$row + 1 >= [llength $rows]}]
        if {!$right && $x + $tw > $W - 4 && !$keep && (!$fresh || (!$last && $x0 < $x))} {
            if {!$last} {
                incr row; set x $x0; set y [lindex $rows $row]
            } else {
                set rest 0
                foreach it2 [lrange $items_ $j end] { if {[lindex $it2 0] eq "box"} { incr rest } }
                if {[regexp {^\+(\d+) more} [lindex $items_ end 1] - m0]} { incr rest $m0 }
                if {$rest && $x + [font measure $font "+$rest more (zoom in)"] <= $W - 2} {
                    $c create text $x $y -anchor w -text "+$rest more (zoom in)" -fill #808080 \
                        -font $font -tags [list marginwait marginnote g$id]
                    incr items
                }
                break
            }
        }
        set fresh [expr {$kind eq "note"}]
        set keep $fresh
        if {$kind eq "note"} {
            set ti [$c create text $x $y -anchor [expr {$right ? "e" : "w"}] -text $t \
                        -fill #808080 -font $font -tags [list marginwait marginnote g$id]]
            lassign [$c bbox $ti] bx0 - bx1 -
            incr items
        } else {
            set tags [list spantext marginwait g$id s$ss]
            set ti [$c create text $x $y -anchor [expr {$right ? "e" : "w"}] -text $t \
                        -fill #202020 -font $font -tags $tags]
            lassign [$c bbox $ti] bx0 by0 bx1 by1
            set r [$c create rectangle [expr {$bx0 - 1}] $by0 [expr {$bx1 + 1}] $by1 \
                       -fill #ffffff -outline $cl -tags [lrange $tags 1 end]]
            $c raise $ti $r
            incr items 2
        }
        set x [expr {$right ? $bx0 - 5 : $bx1 + 5}]
    }
}

# While goroutine ID runs a Once's function (model::once_runs): an olive
# band under its spans, like a lock held, "runs Once from x.c:72" — a
# goroutine blocked on a Once it runs itself (a recursive Do) shows it.
proc timeline::draw_once_runs {id y0 y1 lo hi} {
    variable c; variable items
    set runs [model::once_runs]
    if {![dict exists $runs $id]} return
    set font {TkSmallCaptionFont 7}
    foreach r [dict get $runs $id] {
        lassign $r obj ss es
        set end [expr {$es eq "" ? $model::maxseq : $es}]
        if {$end < $lo || $ss > $hi || ![room]} continue
        set x0 [cx [sx $ss]]; set x1 [cx [sx $end]]
        if {$x1 - $x0 < 2} { set x1 [expr {$x0 + 2}] }
        $c create rectangle $x0 $y0 $x1 $y1 -fill #808000 -outline "" \
            -tags [list onceband g$id o$obj s$ss]
        incr items
        set txt "runs [model::object_label $obj short]"
        if {![string match "runs Once*" $txt]} { set txt "runs Once [model::object_label $obj short]" }
        set tx [expr {max(0, $x0) + 3}]
        if {$y1 - $y0 >= 8 && min([width], $x1) - $tx - 2 > [font measure $font $txt]} {
            $c create text $tx [expr {($y0 + $y1) / 2.0}] -anchor w -text $txt -fill #ffffff \
                -font $font -tags [list onceband oncetext g$id o$obj]
            incr items
        }
    }
}

# WaitGroup Add and Done calls of goroutine ID: a small magenta triangle at
# the bottom of its spans (Y1), named when the next one leaves room ("Add(1)
# wg", "Done wg").  An Add on the lane of the goroutine it counts, while
# another already waits, is the add-inside-goroutine misuse, seen.
proc timeline::draw_wg_marks {id y1 lo hi} {
    variable c; variable items; variable namecache
    set rows [model::wg_adds $id $lo $hi]
    if {![llength $rows]} return
    set font {TkSmallCaptionFont 7}
    set marks {}
    set px -100
    foreach {seq a obj} $rows {
        set x [sx $seq]
        if {$x - $px < 3} continue
        lappend marks $x $seq $a $obj
        set px $x
    }
    set n [llength $marks]
    for {set i 0} {$i < $n} {incr i 4} {
        if {![room]} break
        lassign [lrange $marks $i $i+3] x seq a obj
        $c create polygon [expr {$x - 4}] [expr {$y1 + 1}] [expr {$x + 4}] [expr {$y1 + 1}] \
            $x [expr {$y1 - 6}] -fill #f032e6 -outline #7a1273 \
            -tags [list wgmark g$id e$seq]
        incr items
        if {![info exists namecache($obj)]} { set namecache($obj) [model::object_label $obj short] }
        set txt [expr {$a == -1 ? "Done" : "Add($a)"}]
        if {![string match "WaitGroup*" $namecache($obj)]} { append txt " $namecache($obj)" }
        set next [expr {$i + 4 < $n ? [lindex $marks $i+4] : 1e9}]
        if {$next - $x > [font measure $font $txt] + 10} {
            set t [$c create text [expr {$x + 5}] [expr {$y1 - 4}] -anchor w -text $txt \
                       -fill #7a1273 -font $font -tags [list wgmark wgtext g$id e$seq]]
            lassign [$c bbox $t] bx0 by0 bx1 by1
            set r [$c create rectangle $bx0 $by0 $bx1 $by1 -fill #ffffff -outline "" \
                       -tags [list wgmark g$id e$seq]]
            $c raise $t $r
            incr items 2
        }
    }
}
