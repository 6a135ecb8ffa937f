# stirprobe — one non-recursive Makefile (see README "Building").
#   make            release build: build/release/stirprobe
#   make test       deps, release + ASan/UBSan builds, unit + golden tests
#   make demo       deps, read tests/pcaps/demo.pcap, print the attestation report
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
VERSION  := 0.1.0
PKGS     := libpcap libcrypto jansson sqlite3 libcurl zlib libpq
V        ?= release
B        := build/$(V)

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes
OPT_release := -O2 -g
OPT_asan := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CPPFLAGS := -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED -DSTIRPROBE_VERSION=\"$(VERSION)\" -I. -I$(B)/gen
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS   := $(WARN) $(OPT_$(V)) -pthread
LDFLAGS  := $(OPT_$(V)) -pthread

LIB_SRC  := $(wildcard common/*.c probe/*.c decoders/*.c calls/*.c verifier/*.c db/*.c reports/*.c)
CLI_SRC  := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/schema_sql.o $(B)/gen/schema_pg_sql.o
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(B)/%.o)

.PHONY: all unit replay test demo deps clean fuzz fuzz-build stirgen bench
all: $(B)/stirprobe

$(B)/stirprobe: $(CLI_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

unit: $(B)/unit_tests
$(B)/unit_tests: $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $(V) $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# db/schema.sql is the public contract; the binary carries it verbatim.
$(B)/gen/schema_sql.c: db/schema.sql
	@mkdir -p $(dir $@)
	{ echo 'const char stirprobe_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@
$(B)/gen/schema_pg_sql.c: db/schema_pg.sql
	@mkdir -p $(dir $@)
	{ echo 'const char stirprobe_schema_pg_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

# Test-data generator (test PKI + signed captures with their expected CSV).
stirgen: build/stirgen
build/stirgen: $(wildcard tests/tools/*.c tests/tools/*.h)
	@mkdir -p build
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -o $@ $(filter %.c,$^) \
	    $$(pkg-config --cflags --libs libcrypto jansson)

deps:
	@scripts/deps.sh

test: deps
	$(MAKE) V=release all unit stirgen build/release/bench_gen
	$(MAKE) V=asan all unit replay
	$(MAKE) $(FUZZ_BUILD) fuzz-build
	tests/run

demo: deps
	$(MAKE) V=release all
	@rm -f build/demo.db build/demo.db-wal build/demo.db-shm
	build/release/stirprobe read -d build/demo.db --verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv tests/pcaps/demo.pcap
	@echo
	@echo "== attestation report (stirprobe report attest -d build/demo.db) =="
	@build/release/stirprobe report attest -d build/demo.db
	@echo
	@echo "== traceback chains (stirprobe report chains -d build/demo.db) =="
	@build/release/stirprobe report chains -d build/demo.db
	@build/release/stirprobe report calls --csv -d build/demo.db > build/demo-calls.csv
	@echo
	@echo "per-call CSV: build/demo-calls.csv ($$(($$(wc -l < build/demo-calls.csv) - 1)) calls); SQL: sqlite3 build/demo.db"

# Benchmarks (README "Benchmarks"): stirprobe beside sngrep, tshark, a raw libpcap loop and
# `openssl speed` on generated captures, in one run; never part of `make test`.
bench:
	@scripts/deps.sh --with-bench
	$(MAKE) V=release all build/release/bench_verify build/release/bench_gen build/release/pcap_loop
	bench/run
build/release/bench_verify: build/release/bench/bench_verify.o $(filter-out $(B)/cli/%,$(LIB_OBJ))
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
# The capture generator links stirgen's helpers (it shares no code with the probe).
BENCH_GEN_SRC := bench/gen.c bench/gen_pki.c tests/tools/util.c tests/tools/jws.c
build/release/bench_gen: $(BENCH_GEN_SRC) bench/gen.h tests/tools/stirgen.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -pthread -I. -o $@ $(BENCH_GEN_SRC) \
	    $$(pkg-config --cflags --libs libcrypto jansson)
build/release/pcap_loop: bench/pcap_loop.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -o $@ $< $$(pkg-config --cflags --libs libpcap)

FUZZ_SECONDS ?= 30
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD := V=fuzz CC=clang OPT_fuzz="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# tests/fuzz/TARGET.dict when there is one; new inputs go to build/fuzz/corpus/TARGET,
# crashers to build/fuzz/crash-TARGET-* (copy them into tests/fuzz/regress/TARGET/).
fuzz:
	@scripts/deps.sh
	$(MAKE) $(FUZZ_BUILD) fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus/$$t; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 $$dict \
	        -artifact_prefix=build/fuzz/crash-$$t- build/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	        >build/fuzz/fuzz-$$t.log 2>&1; rc=$$?; tail -2 build/fuzz/fuzz-$$t.log; \
	    [ $$rc = 0 ] || { echo "fuzz $$t failed: build/fuzz/fuzz-$$t.log"; exit 1; }; \
	done
fuzz-build: $(FUZZ_TARGETS:%=$(B)/fuzz_%)

# The fuzz targets without libFuzzer: replay the seed corpora and every saved crasher
# (tests/fuzz/regress) in `make test`, under the sanitizers of the build variant.
replay: $(FUZZ_TARGETS:%=$(B)/replay_%)
$(B)/replay_pcap: $(B)/tests/fuzz/fuzz_pcap.o $(B)/tests/fuzz/replay.o $(B)/cli/pipeline.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/replay_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/fuzz_pcap: $(B)/tests/fuzz/fuzz_pcap.o $(B)/cli/pipeline.o $(LIB_OBJ)
	$(CC) -fsanitize=fuzzer,address,undefined -pthread -o $@ $^ $(PKG_LIBS)
$(B)/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	$(CC) -fsanitize=fuzzer,address,undefined -pthread -o $@ $^ $(PKG_LIBS)

clean:
	rm -rf build

# The fuzz targets' objects are kept (not intermediate) and rebuilt when a header they
# include changes, like every other object.
FUZZ_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard tests/fuzz/*.c))
.SECONDARY: $(FUZZ_OBJ)
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(wildcard $(B)/bench/*.d)
