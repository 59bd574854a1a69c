# tests/e2e/lib/png_stats.tcl — what a screenshot shows, for the headless
# Chromium tests (tests/e2e/report_html.sh, tests/e2e/site.sh).
#   wish png_stats.tcl FILE.png [#rrggbb ...]
#       prints one line: WIDTH HEIGHT COLOURS NONWHITE_PERMILLE [COUNT ...]
#       over a sample of every 3rd pixel in both directions: how many
#       distinct colours, how many pixels per thousand are not white, and
#       for each colour given how many sampled pixels have exactly it
#   wish png_stats.tcl FILE.png COLSxROWS [#rrggbb]
#       prints, for each cell of that grid (row by row), the non-white
#       pixels (or those of exactly that colour) per thousand in its top 30
#       rows (where a page draws its top bar): one number per cell, one line
# Tk reads PNG itself; it needs a display (the caller runs it under Xvfb).
package require Tk
wm withdraw .
set img [image create photo -file [lindex $argv 0]]
set w [image width $img]
set h [image height $img]

proc nonwhite {img x0 y0 x1 y1 {colour {}}} {
    set n 0
    set nw 0
    for {set y $y0} {$y < $y1} {incr y 3} {
        for {set x $x0} {$x < $x1} {incr x 3} {
            incr n
            set p [$img get $x $y]
            if {$colour eq {} ? $p ne {255 255 255} : $p eq $colour} { incr nw }
        }
    }
    expr {$n ? $nw * 1000 / $n : 0}
}

if {[regexp {^(\d+)x(\d+)$} [lindex $argv 1] -> cols rows]} {
    set out {}
    set cw [expr {$w / $cols}]
    set ch [expr {$h / $rows}]
    set colour {}
    if {[scan [lindex $argv 2] "#%2x%2x%2x" r g b] == 3} { set colour [list $r $g $b] }
    for {set r 0} {$r < $rows} {incr r} {
        for {set c 0} {$c < $cols} {incr c} {
            lappend out [nonwhite $img [expr {$c * $cw}] [expr {$r * $ch}] \
                             [expr {($c + 1) * $cw}] [expr {min($r * $ch + 30, ($r + 1) * $ch)}] $colour]
        }
    }
    puts $out
    exit 0
}

set want {}
foreach c [lrange $argv 1 end] {
    scan $c "#%2x%2x%2x" r g b
    lappend want [list $r $g $b]
    set count([list $r $g $b]) 0
}
set n 0
set nonwhite 0
for {set y 0} {$y < $h} {incr y 3} {
    for {set x 0} {$x < $w} {incr x 3} {
        set p [$img get $x $y]
        incr n
        set seen($p) 1
        if {$p ne {255 255 255}} { incr nonwhite }
        if {[info exists count($p)]} { incr count($p) }
    }
}
set out [list $w $h [array size seen] [expr {$n ? $nonwhite * 1000 / $n : 0}]]
foreach c $want { lappend out $count($c) }
puts $out
exit 0
