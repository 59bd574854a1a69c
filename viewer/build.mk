# viewer/ — the Tk viewer is Tcl (viewer/*.tcl), run by `chanscope view`;
# nothing to compile.  Its tests: `make viewer-test` (tests/viewer/run.sh).
#
#   make bench-viewer   first paint and pan/zoom redraw times on a synthetic
#                       1 M-event trace; prints both, writes $(BUILD)/bench-viewer.json
#                       (goals: first paint <= 2000 ms, redraw <= 100 ms)

BENCH_VIEWER_EVENTS ?= 1000000
BENCH_VIEWER_DB     := $(BUILD)/bench-viewer-$(BENCH_VIEWER_EVENTS).db

.PHONY: bench-viewer
$(BENCH_VIEWER_DB): viewer/bench_trace.tcl | $(DEPS_OK)
	@mkdir -p $(dir $@)
	tclsh viewer/bench_trace.tcl $@.tmp $(BENCH_VIEWER_EVENTS) 200 && mv $@.tmp $@

# Under X when DISPLAY is set, else under a private Xvfb (xvfb-run -a picks a
# free display).  --t0 is taken before wish starts: first paint includes
# process start-up, Tk, opening the trace and drawing the first view.
bench-viewer: $(BENCH_VIEWER_DB)
	@if [ -n "$$DISPLAY" ]; then run=""; else run="xvfb-run -a -s '-screen 0 1920x1200x24'"; fi; \
	eval $$run wish viewer/main.tcl -- $(BENCH_VIEWER_DB) --bench $(BUILD)/bench-viewer.json \
	    --t0 $$(date +%s%3N)
	@cat $(BUILD)/bench-viewer.json

# docs/img/<class>.png: one screenshot per bug class, from real catalog runs,
# each zoomed to its first finding.  `make viewer-screenshots` redraws them.
VIEWER_SHOTS := deadlock:mutex/ab-ba-deadlock leak:common-mistakes/leak \
                race:common-mistakes/race misuse:channels/send-on-closed
.PHONY: viewer-screenshots
viewer-screenshots: all
	@mkdir -p docs/img $(BUILD)/shots
	@set -e; for s in $(VIEWER_SHOTS); do name=$${s%%:*}; pat=$${s#*:}; \
	    db=$(BUILD)/shots/$$name.db; rm -f $$db; \
	    $(CLI) run $$pat -o $$db >/dev/null 2>&1 || true; \
	    $(CLI) check $$db >/dev/null || [ $$? = 1 ]; \
	    $(CLI) view $$db --screenshot docs/img/$$name.png --finding 1; done
