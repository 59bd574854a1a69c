# viewer/ — the Tk viewer is Tcl (viewer/*.tcl), run by `chanscope view`;
# nothing to compile.  Its tests: `make viewer-test` (tests/viewer/run.sh).
#
#   make bench-viewer   first paint and pan/zoom/scroll redraw times on three
#                       synthetic traces: 1 M events (200 goroutines), 100 000
#                       channels, 100 000 goroutines; prints each, writes
#                       $(BUILD)/bench-viewer.json (goals: first paint <= 2000 ms
#                       for 1 M events, <= 5000 ms for 100 000 lanes; redraw
#                       median <= 100 ms)

BENCH_VIEWER_EVENTS ?= 1000000
BENCH_VIEWER_DB     := $(BUILD)/bench-viewer-$(BENCH_VIEWER_EVENTS).db
BENCH_VIEWER_CHANS  ?= 100000
BENCH_VIEWER_CHAN_DB := $(BUILD)/bench-viewer-chan$(BENCH_VIEWER_CHANS).db
BENCH_VIEWER_GORS   ?= 100000
BENCH_VIEWER_GOR_DB := $(BUILD)/bench-viewer-gor$(BENCH_VIEWER_GORS).db

.PHONY: bench-viewer
# the viewer and bench_trace.tcl read the trace contract's tables from here
VIEWER_ENV := CHANSCOPE_TRACE_FORMAT=$(FORMAT_TCL)
$(BENCH_VIEWER_DB): viewer/bench_trace.tcl $(FORMAT_TCL) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(VIEWER_ENV) tclsh viewer/bench_trace.tcl $@.tmp $(BENCH_VIEWER_EVENTS) 200 && mv $@.tmp $@
$(BENCH_VIEWER_CHAN_DB): viewer/bench_trace.tcl $(FORMAT_TCL) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(VIEWER_ENV) tclsh viewer/bench_trace.tcl $@.tmp 200000 20 $(BENCH_VIEWER_CHANS) && mv $@.tmp $@
$(BENCH_VIEWER_GOR_DB): viewer/bench_trace.tcl $(FORMAT_TCL) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(VIEWER_ENV) tclsh viewer/bench_trace.tcl $@.tmp 1000000 $(BENCH_VIEWER_GORS) && mv $@.tmp $@

# Under X when DISPLAY is set, else under a private Xvfb (xvfb-run -a picks a
# free display).  The viewer runs as `chanscope view` runs it (tclsh, which
# loads Tk); --t0 is taken before tclsh starts: first paint includes process
# start-up, Tk, opening the trace and drawing the first view.
bench-viewer: $(BENCH_VIEWER_DB) $(BENCH_VIEWER_CHAN_DB) $(BENCH_VIEWER_GOR_DB)
	@if [ -n "$$DISPLAY" ]; then run=""; else run="xvfb-run -a -s '-screen 0 1920x1200x24'"; fi; \
	for r in -:$(BENCH_VIEWER_DB) chan100k:$(BENCH_VIEWER_CHAN_DB) gor100k:$(BENCH_VIEWER_GOR_DB); do \
	    name=$${r%%:*}; db=$${r#*:}; echo "bench-viewer: $$db"; \
	    eval $(VIEWER_ENV) $$run tclsh viewer/main.tcl -- $$db --bench $(BUILD)/bench-viewer-$$name.json \
	        --t0 $$(date +%s%3N) || exit 1; done
	@tclsh viewer/bench_report.tcl $(BUILD)/bench-viewer.json \
	    - $(BUILD)/bench-viewer--.json chan100k $(BUILD)/bench-viewer-chan100k.json \
	    gor100k $(BUILD)/bench-viewer-gor100k.json
	@cat $(BUILD)/bench-viewer.json

# docs/img/<class>.png: one screenshot per bug class, from real catalog runs,
# each zoomed to its first finding.  `make viewer-screenshots` redraws them.
VIEWER_SHOTS := deadlock:mutex/ab-ba-deadlock leak:common-mistakes/leak \
                race:common-mistakes/race misuse:channels/send-on-closed
# and with the analysis hidden (--no-check): what the lanes alone show
VIEWER_NOCHECK_SHOTS := nocheck-deadlock:mutex/ab-ba-deadlock \
                        nocheck-race:common-mistakes/race \
                        nocheck-rlock:rwmutex-cache/recursive-rlock \
                        nocheck-ticker:rate-limited-pool/deferred-stop \
                        nocheck-context:cancellation/background-in-callee \
                        nocheck-wgadd:waitgroup/add-inside-goroutine \
                        nocheck-once:once/recursive-do \
                        nocheck-pipeline:pipeline/stage-ignores-cancel
.PHONY: viewer-screenshots
viewer-screenshots: all
	@mkdir -p docs/img $(BUILD)/shots
	@set -e; for s in $(VIEWER_SHOTS); do name=$${s%%:*}; pat=$${s#*:}; \
	    db=$(BUILD)/shots/$$name.db; rm -f $$db; \
	    $(CLI) run $$pat -o $$db >/dev/null 2>&1 || [ -s $$db ]; \
	    $(CLI) check $$db >/dev/null || [ $$? = 1 ]; \
	    $(CLI) view $$db --screenshot docs/img/$$name.png --finding 1; done
	@set -e; for s in $(VIEWER_NOCHECK_SHOTS); do name=$${s%%:*}; pat=$${s#*:}; \
	    db=$(BUILD)/shots/$$name.db; rm -f $$db; \
	    $(CLI) run $$pat -o $$db >/dev/null 2>&1 || true; \
	    $(CLI) check $$db >/dev/null || [ $$? = 1 ]; \
	    $(CLI) view $$db --screenshot docs/img/$$name.png --no-check; done
