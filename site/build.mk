# site/ — `make site`: a static site of the catalog in the spirit of Go by
# Example, into $(BUILD)/site/ (index.html, one page per pattern, each
# variant's timeline SVG and full report).  Included by the top Makefile.
# site/make-site.sh does the work: it runs every variant traced (SITE_JOBS
# at a time), renders it with `chanscope view --svg` and `chanscope report`,
# and writes the pages.  tests/e2e/site.sh checks the result.

SITE_JOBS ?= 2

.PHONY: site
site: all
	BIN=$(CURDIR)/$(CLI) OUT=$(CURDIR)/$(BUILD)/site JOBS=$(SITE_JOBS) bash site/make-site.sh
