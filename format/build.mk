# format/ — the one trace contract (docs/architecture.md, docs/trace-format.md).
#
#   format/trace.def      every table: event kinds and their fields, block
#                         reasons, chan flags, misuse codes, object types,
#                         finding kinds, the schema and analysis versions
#   format/schema.sql     the recorded tables; format/analysis.sql the derived
#   format/trace_format.h C: enums and name tables, straight from trace.def
#   format/gen.c          the generator of the rest, at build time:
#     $(FORMAT_SQL_H)     the SQL as C strings (trace_sql.h; -I$(BUILD)/format)
#     $(FORMAT_TCL)       the same tables and SQL for the viewer (installed
#                         beside viewer/main.tcl)
# C files include trace.def through the preprocessor, so their .d files make
# a contract edit rebuild them; every object waits for trace_sql.h (order-only
# in the pattern rules), and what includes it depends on it through its .d.

FORMAT_GEN   := $(BUILD)/format/gen
FORMAT_SQL_H := $(BUILD)/format/trace_sql.h
FORMAT_TCL   := $(BUILD)/format/trace_format.tcl
FORMAT_SQL   := format/schema.sql format/analysis.sql
FORMAT_OUT   := $(FORMAT_SQL_H) $(FORMAT_TCL)

$(FORMAT_GEN): format/gen.c | $(DEPS_OK)
	$(call link,$(CC) $(CSTD) $(WARN) -O1 -Iformat,)

$(FORMAT_SQL_H): $(FORMAT_GEN) $(FORMAT_SQL)
	$(FORMAT_GEN) sql $(FORMAT_SQL) >$@.tmp && mv $@.tmp $@
$(FORMAT_TCL): $(FORMAT_GEN) $(FORMAT_SQL)
	$(FORMAT_GEN) tcl $(FORMAT_SQL) >$@.tmp && mv $@.tmp $@

.PHONY: format
format: $(FORMAT_OUT)

# `make contract-check`: nothing outside format/ repeats the contract (no
# CREATE TABLE of a trace table, no kind/type number, no table of kinds, no
# meta key it does not list), the docs' meta table matches its META rows, and
# the generated files are current.  Also part of `make e2e`.
.PHONY: contract-check
contract-check: $(FORMAT_OUT)
	BUILD=$(BUILD) bash tests/e2e/contract.sh
