// Command benchwarc turns NDJSON lines (the bench corpus) into a WARC.gz,
// as a crawler would have captured them: per line a GET request record and
// a response record whose body is the line (application/json, one gzip
// member per record). scripts/bench.d/15-capture.sh times
// `xr-canon --from warc` on it beside zcat.
//
//	go run ./scripts/benchwarc < corpus.ndjson > corpus.warc.gz
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/xr-lake/xr/internal/capturetest"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchwarc:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 1<<20)
	w := capturetest.NewWARCWriter(out, true)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; ; i++ {
		line, err := r.ReadBytes('\n')
		if line = bytes.TrimSuffix(line, []byte("\n")); len(line) > 0 {
			uri := fmt.Sprintf("https://bench.example/records/%d?page=%d", i, i%7)
			req := fmt.Sprintf("GET /records/%d?page=%d HTTP/1.1\r\nHost: bench.example\r\nAccept: application/json\r\n\r\n", i, i%7)
			resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(line))
			if werr := w.Exchange(uri, at.Add(time.Duration(i)*time.Second), []byte(req), append([]byte(resp), line...)); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return w.Close()
		}
		if err != nil {
			return err
		}
	}
}
