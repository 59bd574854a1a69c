# replay.tcl — the "now" cursor: play/pause, step one event forward or back,
# speed, and a scrubber over the whole run.  The cursor is a seq; moving it
# redraws the cursor line and refreshes the state panel and the source pane.
namespace eval replay {
    variable cursor 1
    variable playing 0
    variable speed 10        ;# events per second
    variable speeds {1 3 10 30 100 300 1000 10000}
    variable job ""
    variable w
    array set w {}
    variable label ""
    variable scrubbing 0
}

proc replay::create {f} {
    variable w
    ttk::frame $f
    ttk::button $f.first -text "|<" -width 3 -command {replay::seek 1}
    ttk::button $f.back -text "<" -width 3 -command {replay::step -1}
    ttk::button $f.play -text "play" -width 8 -command replay::toggle
    ttk::button $f.fwd -text ">" -width 3 -command {replay::step 1}
    ttk::button $f.last -text ">|" -width 3 -command {replay::seek $model::maxseq}
    ttk::label $f.sl -text "speed"
    ttk::combobox $f.speed -width 6 -state readonly -values $replay::speeds \
        -textvariable replay::speed
    ttk::label $f.sl2 -text "ev/s"
    ttk::scale $f.scrub -orient horizontal -from 1 -to 2 -command replay::scrubbed
    ttk::label $f.pos -textvariable replay::label -width 34 -anchor e
    pack $f.first $f.back $f.play $f.fwd $f.last $f.sl $f.speed $f.sl2 -side left -padx 1
    pack $f.pos -side right
    pack $f.scrub -side left -fill x -expand 1 -padx 6
    set w(scrub) $f.scrub
    set w(play) $f.play
    return $f
}

proc replay::load {} {
    variable w
    $w(scrub) configure -from 1 -to [expr {max(2, $model::maxseq)}]
    stop
    seek 1 0
}

# Move the cursor to SEQ; FOLLOW: pan the timeline so the cursor stays in view.
proc replay::seek {seq {follow 1}} {
    variable cursor; variable w; variable label
    set seq [expr {max(1, min($model::maxseq, int($seq)))}]
    set cursor $seq
    set timeline::cursor $seq
    set e [model::event $seq]
    set label "now: event $seq / $model::maxseq"
    if {$e ne ""} {
        append label "  [timeline::fmt_ns [dict get $e t_ns]]"
    }
    if {[winfo exists $w(scrub)] && int([$w(scrub) get]) != $seq} {
        set replay::scrubbing 1
        $w(scrub) set $seq
        set replay::scrubbing 0
    }
    if {$follow} {
        set x [timeline::sx $seq]
        set W [timeline::width]
        if {$x < 0 || $x > $W} { timeline::pan [expr {$x - $W / 2}] }
    }
    timeline::draw_cursor
    panels::update_state $seq
    if {$e ne ""} { panels::show_event $seq }
}
proc replay::scrubbed {v} {
    if {$replay::scrubbing} return
    seek [expr {int($v)}]
}
proc replay::step {n} {
    variable cursor
    stop
    seek [expr {$cursor + $n}]
}
proc replay::toggle {} {
    variable playing
    if {$playing} { stop } else { play }
}
proc replay::play {} {
    variable playing 1; variable w; variable cursor
    if {$cursor >= $model::maxseq} { set cursor 1 }
    $w(play) configure -text "pause"
    tick
}
proc replay::stop {} {
    variable playing 0; variable job; variable w
    after cancel $job
    set job ""
    catch {$w(play) configure -text "play"}
}
# One frame: about 20 frames a second, advancing speed/20 events each.
proc replay::tick {} {
    variable playing; variable cursor; variable speed; variable job
    if {!$playing} return
    set n [expr {max(1, int($speed / 20.0 + 0.5))}]
    set delay [expr {$speed >= 20 ? 50 : int(1000 / $speed)}]
    seek [expr {$cursor + $n}]
    if {$cursor >= $model::maxseq} { stop; return }
    set job [after $delay replay::tick]
}
