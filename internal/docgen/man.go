package main

import (
	"fmt"
	"strings"
)

// manPage renders the man page of a command (and, for xr-pack and
// xr-snapshot, of its subcommands, each a section) in man(7) roff.
// Hyphenation and justification are off, so each word of -h is a word of
// the page (the test compares them).
func manPage(h help, subs []help, version string) string {
	var b strings.Builder
	up := strings.ToUpper(h.name)
	fmt.Fprintf(&b, ".TH %s 1 \"\" %q \"xr manual\"\n.nh\n.ad l\n", up, "xr "+version)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", h.name, esc(h.summary()))
	b.WriteString(".SH SYNOPSIS\n")
	verbatim(&b, h.synopsis)
	b.WriteString(".SH DESCRIPTION\n")
	text(&b, h.body)
	if len(h.example) > 0 {
		b.WriteString(".SH EXAMPLES\n")
		example(&b, h.example)
	}
	if len(h.commands) > 0 {
		b.WriteString(".SH COMMANDS\n")
		for _, c := range h.commands {
			fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", esc(c.name), esc(c.summary))
		}
		if len(h.after) > 0 {
			text(&b, h.after)
		}
	}
	b.WriteString(".SH OPTIONS\n")
	options(&b, h.flags)
	for _, s := range subs {
		fmt.Fprintf(&b, ".SH %s\n", esc(strings.ToUpper(s.name)))
		verbatim(&b, s.synopsis)
		text(&b, s.body)
		if len(s.example) > 0 {
			b.WriteString(".PP\nExample:\n")
			example(&b, s.example)
		}
		b.WriteString(".PP\nFlags:\n")
		options(&b, s.flags)
		fmt.Fprintf(&b, ".PP\nExit codes: %s\n", esc(s.exits))
	}
	fmt.Fprintf(&b, ".SH EXIT STATUS\n%s\n", esc(h.exits))
	b.WriteString(".SH SEE ALSO\nxr-canon(1), xr-hash(1), xr-redact(1), xr-diff(1), xr-sqlload(1), xr-sqldump(1), xr-pack(1), xr-snapshot(1); the documentation in the repository's README.md and docs/.\n")
	return b.String()
}

// text renders description lines: paragraphs filled, indented lines (lists,
// tables, commands) kept as they are.
func text(b *strings.Builder, lines []string) {
	b.WriteString(".PP\n")
	verbatim := false
	for _, l := range lines {
		switch {
		case strings.TrimSpace(l) == "":
			if verbatim {
				b.WriteString(".fi\n")
				verbatim = false
			}
			b.WriteString(".PP\n")
		case strings.HasPrefix(l, "  "):
			if !verbatim {
				b.WriteString(".nf\n")
				verbatim = true
			}
			b.WriteString(esc(l) + "\n")
		default:
			if verbatim {
				b.WriteString(".fi\n")
				verbatim = false
			}
			b.WriteString(esc(l) + "\n")
		}
	}
	if verbatim {
		b.WriteString(".fi\n")
	}
}

// verbatim renders lines as they are (no filling).
func verbatim(b *strings.Builder, lines []string) {
	b.WriteString(".nf\n")
	for _, l := range lines {
		b.WriteString(esc(l) + "\n")
	}
	b.WriteString(".fi\n")
}

func example(b *strings.Builder, lines []string) {
	b.WriteString(".PP\n.nf\n.RS 4\n")
	for _, l := range lines {
		b.WriteString(esc(l) + "\n")
	}
	b.WriteString(".RE\n.fi\n")
}

func options(b *strings.Builder, flags []flagDoc) {
	for _, f := range flags {
		b.WriteString(".TP\n")
		if f.short != "" {
			fmt.Fprintf(b, "\\fB\\-%s\\fR, ", f.short)
		}
		fmt.Fprintf(b, "\\fB\\-\\-%s\\fR", f.long)
		if f.arg != "" {
			fmt.Fprintf(b, " \\fI%s\\fR", esc(f.arg))
		}
		fmt.Fprintf(b, "\n%s\n", esc(f.help))
	}
}

// esc makes s safe as roff text: backslashes escaped, and a line starting
// with a period or an apostrophe (a request) protected.
func esc(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
