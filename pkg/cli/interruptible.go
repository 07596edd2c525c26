package cli

import (
	"context"
	"io"
	"os"
)

// Interruptible returns a reader of f whose Read returns ctx's error as soon
// as ctx is done, even while it waits for input that does not come (an idle
// pipe, `tail -f`, a terminal): a blocked read(2) does not see SIGINT or
// SIGTERM, and the commands only check their context between records, so
// they went on waiting and, at the end of the input, exited 0 as if never
// interrupted. A regular file never blocks and is returned as it is (it
// stays seekable).
//
// For anything else a goroutine copies f into a pipe; the Read side is
// closed when ctx is done. That goroutine may stay blocked in f's read,
// which does not matter to a command that is about to exit.
func Interruptible(ctx context.Context, f *os.File) io.Reader {
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return f
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, f)
		pw.CloseWithError(err) // nil: io.EOF for the reader
	}()
	context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	return &ctxReader{ctx: ctx, r: pr}
}

type ctxReader struct {
	ctx context.Context
	r   *io.PipeReader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && c.ctx.Err() != nil {
		return n, c.ctx.Err()
	}
	return n, err
}
