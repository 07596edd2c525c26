package xr

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
)

// Meter receives a long command's progress: the bytes and records it has
// done and, when it can know it, the total. The command's progress line
// (pkg/cli) reads it; a library only feeds it. It travels in the context,
// so that reading a pack, an archive or a table can report without every
// options struct growing a field, and costs a call to a no-op without one.
type Meter interface {
	// SetTotal says how many bytes the whole work reads (0: unknown).
	SetTotal(bytes int64)
	// Add counts bytes and records done since the last call.
	Add(bytes, records int64)
}

type meterKey struct{}

// WithMeter returns ctx carrying m.
func WithMeter(ctx context.Context, m Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// A Meter with an Active method decides late whether it shows anything
// (after the command parsed its flags); while it is not active, ctx is
// taken as carrying no meter.
type activeMeter interface{ Active() bool }

func meterIn(ctx context.Context) (Meter, bool) {
	m, ok := ctx.Value(meterKey{}).(Meter)
	if !ok || m == nil {
		return nil, false
	}
	if a, ok := m.(activeMeter); ok && !a.Active() {
		return nil, false
	}
	return m, true
}

// MeterOf returns the meter ctx carries, or one that ignores everything.
func MeterOf(ctx context.Context) Meter {
	if m, ok := meterIn(ctx); ok {
		return m
	}
	return noMeter{}
}

// Metered reports whether ctx carries a meter: work done only for the
// progress line (a stat of every chunk for the total, counting what is
// read) is skipped without.
func Metered(ctx context.Context) bool {
	_, ok := meterIn(ctx)
	return ok
}

// KeepTotal returns ctx whose meter (if any) ignores SetTotal and counts
// no records: for a phase of a command that reads again records it has
// counted, and whose bytes it has counted in its total (extract's
// verification of the pack it extracted).
func KeepTotal(ctx context.Context) context.Context {
	if m, ok := meterIn(ctx); ok {
		return WithMeter(ctx, keepTotal{m})
	}
	return ctx
}

type keepTotal struct{ Meter }

func (keepTotal) SetTotal(int64) {}

func (k keepTotal) Add(bytes, _ int64) { k.Meter.Add(bytes, 0) }

type noMeter struct{}

func (noMeter) SetTotal(int64)   {}
func (noMeter) Add(int64, int64) {}

// MeteredReader returns r, counting what is read from it (bytes, and
// lines as records) into the meter of ctx; r itself when ctx carries
// none. Closing it closes r when r is an io.Closer.
func MeteredReader(ctx context.Context, r io.Reader) io.Reader {
	if !Metered(ctx) {
		return r
	}
	return MeterReader(MeterOf(ctx), r)
}

// MeterReader returns r, counting what is read from it into m (see
// MeteredReader).
func MeterReader(m Meter, r io.Reader) io.Reader {
	return &meteredReader{r: r, m: m}
}

type meteredReader struct {
	r io.Reader
	m Meter
}

func (c *meteredReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.m.Add(int64(n), int64(bytes.Count(p[:n], []byte{'\n'})))
	}
	return n, err
}

func (c *meteredReader) Close() error {
	if cl, ok := c.r.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// MeterFiles tells the meter of ctx (if any) that the work reads the
// files rels (slash-separated, relative to dir): their sizes are its
// total. One stat a file, paid only when progress is shown.
func MeterFiles(ctx context.Context, dir string, rels []string) {
	m, ok := meterIn(ctx)
	if !ok {
		return
	}
	var total int64
	for _, rel := range rels {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
			total += fi.Size()
		}
	}
	m.SetTotal(total)
}

// CountingReader counts the bytes read through it: the offset a reader
// of a compressed or framed stream reports positions and ratios against.
// A nil R reads as empty.
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	if c.R == nil {
		return 0, io.EOF
	}
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
