package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xr-lake/xr/internal/pgtest"
)

// benchInput is n keyed records of about size bytes each.
func benchInput(b *testing.B, n, size int) []byte {
	var buf []byte
	pad := strings.Repeat("lorem ipsum \u00e9t\u00e9 ", size/16)
	for i := 0; i < n; i++ {
		buf = append(buf, mkLine(b, recSpec{id: i, nk: key(fmt.Sprintf("k%d", i)), response: fmt.Sprintf(`{"n":%d,"text":%q}`, i, pad)})...)
	}
	return buf
}

func benchLoad(b *testing.B, db func() string) {
	in := benchInput(b, 2000, 8000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(context.Background(), bytes.NewReader(in), LoadOptions{DB: db()}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadSQLite(b *testing.B) {
	dir := b.TempDir()
	i := 0
	benchLoad(b, func() string { i++; return fmt.Sprintf("sqlite:%s/b%d.db", dir, i) })
}

func BenchmarkLoadPostgres(b *testing.B) {
	benchLoad(b, func() string { return pgtest.DSN(b) })
}

func benchDump(b *testing.B, db string, index bool) {
	in := benchInput(b, 2000, 8000)
	if _, err := Load(context.Background(), bytes.NewReader(in), LoadOptions{DB: db}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dump(context.Background(), io.Discard, DumpOptions{DB: db, Index: index}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumpSQLite(b *testing.B) {
	benchDump(b, "sqlite:"+filepath.Join(b.TempDir(), "d.db"), false)
}

func BenchmarkDumpPostgres(b *testing.B) { benchDump(b, pgtest.DSN(b), false) }

// --index reads the id's text from the payload (its first 53 characters
// for a canonical line), not the columns alone
func BenchmarkDumpIndexSQLite(b *testing.B) {
	benchDump(b, "sqlite:"+filepath.Join(b.TempDir(), "d.db"), true)
}

func BenchmarkDumpIndexPostgres(b *testing.B) { benchDump(b, pgtest.DSN(b), true) }
