# docs/build.mk — handouts for a course.  Included by the top Makefile.
#
#   make handout   the course guide (docs/course.md) and one sheet per exercise
#                  (exercises/*/README.md) as HTML, and as PDF when a PDF
#                  engine is there, into $(BUILD)/handout/:
#                    course.html, course.pdf, exercises/NN-name.html|.pdf,
#                    index.html (links to every sheet)
#
# HTML: pandoc (Debian package pandoc; not in scripts/deps.txt — it is
# 170 MB and only teachers need it: `make handout` installs it through
# scripts/install-deps the first time, as `make bench` does golang-go).  Each page is
# standalone with its images embedded (--self-contained; Debian 12 has pandoc 2.17), links between the
# Markdown pages point at the HTML sheets.
# PDF: printed from that HTML by headless Chromium (Debian chromium, which
# the report tests use too), so no LaTeX (texlive is ~500 MB) is needed.
# Without chromium the PDFs are skipped with one line saying so.
# An exercise sheet is the README a learner sees: no solution, no hints.

HANDOUT     := $(BUILD)/handout
HANDOUT_EX  := $(patsubst exercises/%/README.md,$(HANDOUT)/exercises/%.html,$(wildcard exercises/*/README.md))
HANDOUT_CSS := docs/handout.css
PANDOC_FLAGS = --standalone --self-contained --css=$(HANDOUT_CSS) --metadata lang=en \
               --lua-filter=docs/handout-links.lua
CHROMIUM    ?= $(shell command -v chromium || command -v chromium-browser)

.PHONY: handout
handout: $(HANDOUT)/course.html $(HANDOUT_EX) $(HANDOUT)/index.html
	@if [ -z "$(CHROMIUM)" ]; then \
	    echo "handout: no chromium: HTML only (apt-get install chromium for the PDFs)"; \
	else printf '%s\n' $^ | xargs -P 2 -I{} sh -c '\
	    "$(CHROMIUM)" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
	        --print-to-pdf="$${1%.html}.pdf" "file://$(abspath .)/$$1" 2>/dev/null >/dev/null; \
	    [ -s "$${1%.html}.pdf" ] || { echo "handout: no PDF for $$1" >&2; exit 1; }' _ {} && \
	    echo "handout: PDFs beside the HTML in $(HANDOUT)"; fi
	@echo "handout: open $(HANDOUT)/index.html"

HANDOUT_PANDOC = @command -v pandoc >/dev/null || scripts/install-deps pandoc >&2 || { \
	echo "handout: pandoc is not installed and could not be (apt-get install pandoc)" >&2; exit 2; }

$(HANDOUT)/course.html: docs/course.md $(HANDOUT_CSS) docs/handout-links.lua
	$(HANDOUT_PANDOC)
	@mkdir -p $(dir $@)
	pandoc $(PANDOC_FLAGS) --resource-path=docs --toc --metadata pagetitle="chanscope: a course guide" \
	    -o $@ $<

$(HANDOUT)/exercises/%.html: exercises/%/README.md $(HANDOUT_CSS) docs/handout-links.lua
	$(HANDOUT_PANDOC)
	@mkdir -p $(dir $@)
	pandoc $(PANDOC_FLAGS) --resource-path=exercises/$* --metadata pagetitle="Exercise $*" \
	    -o $@ $<

$(HANDOUT)/index.html: $(HANDOUT)/course.html $(HANDOUT_EX)
	@mkdir -p $(dir $@)
	@{ \
	   echo '- [Course guide](course.html) ([PDF](course.pdf))'; \
	   for f in $(HANDOUT_EX); do n=$$(basename $$f .html); \
	       echo "- [Exercise $$n](exercises/$$n.html) ([PDF](exercises/$$n.pdf))"; done; \
	 } | pandoc --standalone --self-contained --css=$(HANDOUT_CSS) \
	       --metadata title="chanscope course handouts" -o $@
