# exercises/ — included by the top Makefile.
#
#   make exercises   compile every starter.c and solution.c with the project's
#                    own warnings (-Werror), so a broken exercise fails the
#                    build before a learner sees it.  `make e2e` depends on it;
#                    tests/e2e/exercises.sh then checks each starter fails its
#                    check as declared and each solution passes.
#   make install     also installs exercises/ (and the catalog sources the
#                    docs point at) under PREFIX/share/chanscope, where an
#                    installed `chanscope exercise` finds them (cs_home()).

EXERCISE_SRC := $(wildcard exercises/*/starter.c exercises/*/solution.c)
EXERCISE_BIN := $(EXERCISE_SRC:%.c=$(BUILD)/%)

$(BUILD)/exercises/%: exercises/%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_LIB))

.PHONY: exercises install-exercises
exercises: $(EXERCISE_BIN)
e2e: exercises

install: install-exercises
install-exercises: all
	install -d $(DESTDIR)$(PREFIX)/share/chanscope
	cp -r exercises $(DESTDIR)$(PREFIX)/share/chanscope/
	rm -f $(DESTDIR)$(PREFIX)/share/chanscope/exercises/build.mk
