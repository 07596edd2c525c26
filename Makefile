# The two commands that matter on a fresh machine (README.md):
#   make demo   build everything and run the spec's workflows on the example packs
#   make test   run every test (scripts/test)
# and the install (README.md, "Install"):
#   make install PREFIX=~/.local   the seven commands and xr-snapshot into PREFIX/bin,
#                                  their man pages and bash/zsh/fish completion
.POSIX:
.PHONY: demo test build bench examples install uninstall

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share
COMMANDS = xr-canon xr-hash xr-redact xr-diff xr-sqlload xr-sqldump xr-pack xr-snapshot

demo:
	sh scripts/demo

test:
	sh scripts/test

build:
	go build -o bin/ ./cmd/...

bench:
	bash scripts/bench

# The man pages and completions are made from the installed commands' -h
# (internal/docgen), so they say what -h says.
install:
	mkdir -p "$(DESTDIR)$(BINDIR)"
	go build -buildvcs=auto -o "$(DESTDIR)$(BINDIR)/" ./cmd/...
	cp bin/xr-snapshot "$(DESTDIR)$(BINDIR)/xr-snapshot"
	chmod 755 "$(DESTDIR)$(BINDIR)/xr-snapshot"
	go run ./internal/docgen -bin "$(DESTDIR)$(BINDIR)" -man "$(DESTDIR)$(MANDIR)" \
		-bash "$(DESTDIR)$(DATADIR)/bash-completion/completions" \
		-zsh "$(DESTDIR)$(DATADIR)/zsh/site-functions" \
		-fish "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d"

uninstall:
	for c in $(COMMANDS); do \
		rm -f "$(DESTDIR)$(BINDIR)/$$c" "$(DESTDIR)$(MANDIR)/man1/$$c.1" \
			"$(DESTDIR)$(DATADIR)/bash-completion/completions/$$c" \
			"$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$c.fish"; \
	done
	rm -f "$(DESTDIR)$(DATADIR)/zsh/site-functions/_xr"

# regenerate the example packs from examples/gen (needs the binaries in bin/)
examples: build
	PATH="$$PWD/bin:$$PATH" sh examples/build.sh
