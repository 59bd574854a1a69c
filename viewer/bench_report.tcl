# bench_report.tcl OUT.json PREFIX RUN.json ... — fold the viewer bench's
# runs (each a flat JSON object written by main.tcl --bench) into one
# {"figures": [...]} for bench/run.sh.  PREFIX names a run's rows ("-" for
# none: the 1 M-event run keeps the row names it always had).
lassign $argv out
if {$out eq "" || [llength $argv] % 2 != 1} {
    puts stderr "usage: tclsh bench_report.tcl OUT.json PREFIX RUN.json ..."; exit 2
}
# name unit goal, per figure kept
set keep {
    events events "" goroutines goroutines "" channels channels "" spans spans ""
    first_paint_ms ms "<= GOAL" redraw_median_ms ms "<= 100" redraw_p90_ms ms ""
    redraw_max_ms ms ""
}
set figs {}
foreach {prefix file} [lrange $argv 1 end] {
    set f [open $file]; set text [read $f]; close $f
    array unset v
    foreach {- k val} [regexp -all -inline {"(\w+)": (-?[0-9.]+)} $text] { set v($k) $val }
    # first paint goal: 2 s for the 1 M-event run, 5 s for 100 000 lanes
    set goal [expr {$prefix eq "-" ? 2000 : 5000}]
    foreach {k unit g} $keep {
        if {![info exists v($k)]} continue
        if {$prefix ne "-" && $k in {events spans}} continue
        set name [expr {$prefix eq "-" ? $k : "${prefix}_$k"}]
        lappend figs [format {{"name": "%s", "value": %s, "unit": "%s", "goal": "%s"}} \
                          $name $v($k) $unit [string map [list GOAL $goal] $g]]
    }
}
set f [open $out w]
puts $f "{\"figures\": \[\n  [join $figs ",\n  "]\n\]}"
close $f
