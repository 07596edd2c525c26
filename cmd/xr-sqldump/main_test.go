package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
	"github.com/xr-lake/xr/pkg/contenthash"
	"github.com/xr-lake/xr/pkg/envelope"
	"github.com/xr-lake/xr/pkg/sqlstore"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"xr-sqldump": main, "sqlload": sqlload, "genrecs": genrecs})
}

// sqlload DSN < in: fills the table (test helper; the real xr-sqlload is
// tested in its own package).
func sqlload() {
	_, err := sqlstore.Load(context.Background(), os.Stdin, sqlstore.LoadOptions{DB: os.Args[1]})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

// genrecs N: N small hashed envelopes with distinct natural keys.
func genrecs() {
	n, _ := strconv.Atoi(os.Args[1])
	w := envelope.NewWriter(os.Stdout, false)
	for i := range n {
		var rec envelope.Record
		line := fmt.Sprintf(`{"exchange_id":"00000000-0000-4000-8000-%012d","exchange_type":"http","source_system":"s","entity_type":"e","natural_key":"k%d","response":%d,"observed_at_utc":"2026-01-14T10:00:00Z"}`, i, i, i)
		if err := envelope.Parse(&rec, []byte(line), false); err != nil {
			panic(err)
		}
		h, err := contenthash.Sum(&rec)
		if err != nil {
			panic(err)
		}
		rec.SetString(envelope.ContentSHA256, h)
		w.Write(&rec)
	}
	w.Flush()
}

func TestScripts(t *testing.T) {
	testscript.Run(t, scripttest.Params(t, nil))
}
