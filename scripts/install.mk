# scripts/install.mk — `make install` / `make uninstall`.  Included by the top
# Makefile.  The work is done by scripts/install-tree (what goes where, and
# the manifest uninstall reads).
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [WITH_SOLUTIONS=1]
#   make uninstall [PREFIX=/usr/local] [DESTDIR=]   removes exactly what
#                  install wrote (PREFIX/share/chanscope/install-manifest)

WITH_SOLUTIONS ?= 0

.PHONY: install uninstall
install: all
	scripts/install-tree install "$(DESTDIR)" "$(PREFIX)" "$(BUILD)" "$(VERSION)" "$(WITH_SOLUTIONS)"

uninstall:
	scripts/install-tree uninstall "$(DESTDIR)" "$(PREFIX)"
