# quiz.tcl — `chanscope view --quiz TRACE`: predict, then reveal.
#
# The findings stay hidden (viewer::analysis_hidden) until the learner has
# named the kind of bug (from the list of finding kinds) and blamed a
# culprit: a goroutine (click its lane or its label) or a source line
# (click it in the source pane), and pressed Check.  The answer is compared
# with the first finding: its kind, and its culprit_g / culprit_site as the
# analyzer stored them, and the goroutines its wait-for graph (finding_waits)
# shows blocked at that line (a trace checked before those columns existed:
# the goroutines and lines of the finding's refs).  Then the findings are shown
# and the first one selected.
namespace eval quiz {
    variable answered 0
    variable kind ""        ;# the learner's kind
    variable blame {}       ;# {g ID} or {line FILE LINE}
    variable result ""      ;# what the check said
    variable w ""
    # the analyzer's finding kinds: the trace's finding_kinds table (written
    # by chanscope check) when it has one, else the contract's
    # (format/trace.def, through trace_format.tcl)
    variable kinds0 {}
    foreach k $::trace::finding_kinds { lappend kinds0 [lindex $k 0] [lindex $k 4] }
    unset k
    variable kinds {}
}

# The finding kinds, name -> description, from the trace when it has them.
proc quiz::load_kinds {} {
    variable kinds; variable kinds0; variable w
    set kinds $kinds0
    if {[model::has_table finding_kinds]} {
        set k [dict create]
        model::db eval {SELECT name, description FROM finding_kinds ORDER BY rowid} {
            dict set k $name $description
        }
        if {[dict size $k]} { set kinds $k }
    }
    if {$w ne "" && [winfo exists $w]} { $w.kind configure -values [dict keys $kinds] }
}

proc quiz::reset {} {
    variable answered 0; variable kind ""; variable blame {}; variable result ""
    variable w
    load_kinds
    if {$w ne "" && [winfo exists $w]} { show }
}

proc quiz::create {f} {
    variable w $f
    variable kinds
    if {![dict size $kinds]} { set kinds $quiz::kinds0 }
    set p [string range $f 0 [expr {[string last . $f] - 1}]]
    ttk::frame $f -padding 4 -relief groove
    ttk::label $f.q -text "Quiz: what is the bug?" -font TkHeadingFont
    ttk::label $f.kl -text "kind:"
    ttk::combobox $f.kind -state readonly -width 18 -textvariable quiz::kind \
        -values [dict keys $kinds]
    bind $f.kind <<ComboboxSelected>> quiz::show
    ttk::label $f.bl -text "culprit:"
    ttk::label $f.blame -text "" -width 34
    ttk::button $f.check -text "Check" -command quiz::check
    ttk::label $f.res -text "" -wraplength 380 -justify left
    grid $f.q - - -sticky w
    grid $f.kl $f.kind -sticky w
    grid $f.bl $f.blame - -sticky w
    grid $f.check - - -sticky w
    grid $f.res - - -sticky w
    # the verdict wraps to the panel's width
    bind $f <Configure> [list quiz::wrap %w]
    pack $f -in $p -before $p.t -fill x -pady 2
    show
    return $f
}

proc quiz::wrap {width} {
    variable w
    if {$w ne "" && [winfo exists $w.res]} { $w.res configure -wraplength [expr {max(200, $width - 16)}] }
}

# Refresh the quiz panel from the state.
proc quiz::show {} {
    variable w; variable kind; variable blame; variable answered; variable result
    variable kinds
    if {$w eq "" || ![winfo exists $w]} return
    switch [lindex $blame 0] {
        g { set b "goroutine [model::goroutine_name [lindex $blame 1]]" }
        line { set b "line [file tail [lindex $blame 1]]:[lindex $blame 2]" }
        default { set b "click a goroutine's lane or a source line" }
    }
    $w.blame configure -text $b
    set ready [expr {!$answered && $kind ne "" && [llength $blame]}]
    $w.check configure -state [expr {$ready ? "normal" : "disabled"}]
    $w.kind configure -state [expr {$answered ? "disabled" : "readonly"}]
    if {$result ne ""} {
        $w.res configure -text $result
    } elseif {$kind ne "" && [dict exists $kinds $kind]} {
        $w.res configure -text [dict get $kinds $kind]
    } else {
        $w.res configure -text ""
    }
}

# The learner clicked a goroutine's lane or a source line.
proc quiz::blame_g {g} {
    variable blame; variable answered
    if {$answered || $g eq ""} return
    set blame [list g $g]
    show
}
proc quiz::blame_line {file line} {
    variable blame; variable answered
    if {$answered || $file eq "" || $line eq ""} return
    set blame [list line $file $line]
    show
}

# The answer to compare with: the first finding's kind, its culprit
# goroutines and lines.  A dict kind gs lines (lines: "file.c:N").
proc quiz::expected {} {
    set fs [model::findings]
    if {![llength $fs]} { return {} }
    set f [lindex $fs 0]
    set id [dict get $f id]
    set cul [model::culprit $id]
    set gs {}; set lines {}
    if {[dict get $cul g] ne ""} { lappend gs [dict get $cul g] }
    if {[dict get $cul line] ne ""} {
        lappend lines "[file tail [dict get $cul file]]:[dict get $cul line]"
        # the goroutines the wait-for graph shows blocked at that very line
        # are as much to blame (AB-BA: both tellers wait in one transfer())
        if {[model::has_table finding_waits]} {
            set site [dict get $cul site]
            foreach g [model::db eval {SELECT g FROM finding_waits WHERE finding=$id
                                       AND site=$site ORDER BY g}] {
                if {$g ni $gs} { lappend gs $g }
            }
        }
    }
    if {![llength $gs] && ![llength $lines]} {
        # no culprit stored (an older trace): any goroutine or line it refers to
        foreach {s g o role} [model::finding_refs $id] {
            if {$g ne "" && $g ni $gs} { lappend gs $g }
            if {$s ne ""} {
                set e [model::event $s]
                if {[dict get $e file] ni {"" "?"}} {
                    lappend lines "[file tail [dict get $e file]]:[dict get $e line]"
                }
            }
        }
    }
    return [dict create id $id kind [dict get $f kind] gs $gs lines $lines]
}

# Compare the answer with the first finding, say so, reveal the findings.
proc quiz::check {} {
    variable kind; variable blame; variable answered; variable result
    if {$answered} return
    set exp [expected]
    set answered 1
    if {$exp eq ""} {
        set result "No findings in this run: chanscope check found no bug here."
    } else {
        set k [dict get $exp kind]
        set okk [expr {$kind eq $k}]
        switch [lindex $blame 0] {
            g { set okb [expr {[lindex $blame 1] in [dict get $exp gs]}] }
            line {
                set okb [expr {"[file tail [lindex $blame 1]]:[lindex $blame 2]" in
                               [dict get $exp lines]}]
            }
            default { set okb 0 }
        }
        set r [expr {$okk ? "\u2714 kind: right ($k)." : "\u2716 kind: it is $k, not $kind."}]
        set want {}
        foreach g [dict get $exp gs] { lappend want [model::goroutine_name $g] }
        foreach l [dict get $exp lines] { lappend want "line $l" }
        append r [expr {$okb ? " \u2714 culprit: right." :
                        " \u2716 culprit: [join $want { or }]."}]
        set result $r
    }
    show
    panels::load_findings
    if {$exp ne ""} { panels::select_finding [dict get $exp id] }
    timeline::schedule
    return $result
}
