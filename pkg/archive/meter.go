package archive

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/xr"
)

// The progress meter of ctx (xr.Meter) counts the bytes of the pack's
// files: read into an archive, or extracted (or checked) from one. Its
// total comes from the pack's files, or from the metadata when it comes
// first (zip); a tar.zst names it only at its end, so its line has no
// percent.

// meterMeta gives the meter the size of the members the metadata lists;
// with verified, their chunks twice: Extract verifies the pack it
// extracted (its verification keeps this total: xr.KeepTotal).
func meterMeta(ctx context.Context, b []byte, verified bool) {
	if !xr.Metered(ctx) {
		return
	}
	var m Meta
	if json.Unmarshal(b, &m) != nil || m.Format != metaFormat {
		return
	}
	var total int64
	for _, mm := range m.Members {
		total += mm.Size
		if _, rel, ok := strings.Cut(mm.Path, "/"); ok && verified && snapshot.IsChunk(rel) {
			total += mm.Size
		}
	}
	xr.MeterOf(ctx).SetTotal(total)
}

// meterFile counts what is read of the pack file name on the meter of
// ctx: its bytes, and its lines as records only for a chunk (not the
// index's or the manifest's).
func meterFile(ctx context.Context, r io.Reader, name string) io.Reader {
	if !xr.Metered(ctx) {
		return r
	}
	m := xr.MeterOf(ctx)
	if _, rel, _ := strings.Cut(name, "/"); !snapshot.IsChunk(rel) {
		m = bytesOnly{m}
	}
	return xr.MeterReader(m, r)
}

// bytesOnly is a meter that counts no records.
type bytesOnly struct{ xr.Meter }

func (b bytesOnly) Add(n, _ int64) { b.Meter.Add(n, 0) }
