package cli

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// debugHandler writes -v's debug log as every other diagnostic is
// written: one line, prefixed with the command,
//
//	xr-sqlload: debug: connected db="sqlite lake.db (from XR_DB)"
//
// (not slog's `time=… level=DEBUG msg=…`); attributes follow as key=value,
// a value with spaces, quotes or '=' quoted as Go quotes it.
type debugHandler struct {
	prog  string
	w     io.Writer
	mu    *sync.Mutex
	attrs string // preformatted " k=v" of WithAttrs
	group string // "g." prefix of WithGroup
}

func newDebugHandler(prog string, w io.Writer, mu *sync.Mutex) *debugHandler {
	return &debugHandler{prog: prog, w: w, mu: mu}
}

func (h *debugHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *debugHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(h.prog + ": ")
	if r.Level != slog.LevelDebug {
		b.WriteString(strings.ToLower(r.Level.String()) + ": ")
	} else {
		b.WriteString("debug: ")
	}
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.group, a)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *debugHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	for _, a := range as {
		appendAttr(&b, h.group, a)
	}
	c := *h
	c.attrs += b.String()
	return &c
}

func (h *debugHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.group += name + "."
	return &c
}

// appendAttr appends " key=value" (a group's members as group.key=value).
func appendAttr(b *strings.Builder, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			appendAttr(b, prefix+a.Key+".", g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	b.WriteString(" " + prefix + a.Key + "=")
	s := v.String()
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == '=' || !unicode.IsPrint(r) }) {
		s = strconv.Quote(s)
	}
	b.WriteString(s)
}
