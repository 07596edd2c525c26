package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"xr-hash": main})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, scripttest.Params(t, nil))
}
