# The two commands that matter on a fresh machine (README.md):
#   make demo   build everything and run the spec's workflows on the example packs
#   make test   run every test (scripts/test)
.POSIX:
.PHONY: demo test build bench examples

demo:
	sh scripts/demo

test:
	sh scripts/test

build:
	go build -o bin/ ./cmd/...

bench:
	bash scripts/bench

# regenerate the example packs from examples/gen (needs the binaries in bin/)
examples: build
	PATH="$$PWD/bin:$$PATH" sh examples/build.sh
