package snapshot

import (
	"context"

	"github.com/xr-lake/xr/pkg/xr"
)

// meterChunks tells the progress meter of ctx (if any) the chunks about
// to be read, so that the line shows percent and ETA.
func meterChunks(ctx context.Context, dir string, chunks []Chunk) {
	if !xr.Metered(ctx) {
		return
	}
	rels := make([]string, len(chunks))
	for i, c := range chunks {
		rels[i] = c.Rel
	}
	xr.MeterFiles(ctx, dir, rels)
}
