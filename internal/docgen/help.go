// Command docgen makes xr's man pages and shell completions from the
// commands' own -h, so that neither can drift from what -h says: a flag,
// a subcommand or a line of help added to a command is in its man page and
// its completion at the next install (make install runs docgen; the
// scripts tests check the result with man, bash's compgen, zsh and fish).
//
//	go run ./internal/docgen -bin DIR -man MANDIR -bash DIR -zsh DIR -fish DIR
//
// It runs DIR/xr-* and DIR/xr-snapshot with -h (and each subcommand a
// "Commands:" section lists with COMMAND -h) and reads the format every xr
// -h follows (pkg/cli renders it, bin/xr-snapshot's too, through xr-pack):
//
//	usage: NAME ARGS...          first line; more synopsis lines indented
//	                             to line up with NAME
//	(blank line)
//	Description paragraphs; lines indented by two or more spaces are kept
//	as they are (lists, examples).
//	Commands:                    (a command with subcommands) "  NAME  summary"
//	Example:                     indented command lines
//	Flags:                       "  -m, --manifest FILE  help" or
//	                             "      --rejects FILE   help", the help
//	                             continued on lines indented further
//	Exit codes: 0 ok, 1 error, ...
package main

import (
	"regexp"
	"strings"
)

// help is one command's -h, taken apart.
type help struct {
	name     string   // "xr-diff", "xr-pack init"
	synopsis []string // the usage lines, without "usage: "
	body     []string // the description's lines
	example  []string // the Example block's lines, unindented
	commands []sub    // the Commands: section
	after    []string // the text after the Commands: list
	flags    []flagDoc
	exits    string // the text after "Exit codes: "
}

type sub struct{ name, summary string }

// flagDoc is one line (and its continuation) of the Flags section.
type flagDoc struct {
	short, long string // "m", "manifest"
	arg         string // "FILE", "key|hash", ""
	help        string
}

// choices returns the values of an argument spelled "a|b|c" (nil for a
// placeholder such as FILE).
func (f flagDoc) choices() []string {
	if !strings.Contains(f.arg, "|") || strings.ToLower(f.arg) != f.arg {
		return nil
	}
	return strings.Split(f.arg, "|")
}

// file reports whether the argument names a file or folder.
func (f flagDoc) file() bool {
	switch f.arg {
	case "FILE", "DIR", "INDEX", "POINTER_FILE":
		return true
	}
	return false
}

var flagRE = regexp.MustCompile(`^  (?:-([a-zA-Z]), --([a-z][a-z0-9-]*)|    --([a-z][a-z0-9-]*))(?: (\S+))?(?:  +(.*))?$`)

// parseHelp takes -h's text apart; name is the command line ("xr-pack init").
func parseHelp(name, text string) help {
	h := help{name: name}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	section := "usage"
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case i == 0:
			u, _ := strings.CutPrefix(l, "usage: ")
			h.synopsis = append(h.synopsis, u)
			continue
		case section == "usage" && strings.HasPrefix(l, "       ") && strings.TrimSpace(l) != "":
			h.synopsis = append(h.synopsis, strings.TrimSpace(l))
			continue
		case l == "Flags:":
			section = "flags"
			continue
		case l == "Commands:":
			section = "commands"
			continue
		case strings.HasPrefix(l, "Exit codes: "):
			h.exits = strings.TrimPrefix(l, "Exit codes: ")
			for i+1 < len(lines) && lines[i+1] != "" {
				i++
				h.exits += " " + strings.TrimSpace(lines[i])
			}
			section = "end"
			continue
		}
		switch section {
		case "usage", "body":
			section = "body"
			if l != "Example:" {
				h.body = append(h.body, l)
				continue
			}
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  ") {
				i++
				h.example = append(h.example, strings.TrimPrefix(lines[i], "  "))
			}
		case "commands":
			if f := strings.Fields(l); strings.HasPrefix(l, "  ") && len(f) > 0 {
				h.commands = append(h.commands, sub{f[0], strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), f[0]))})
			} else if strings.TrimSpace(l) != "" {
				h.after = append(h.after, l)
			}
		case "flags":
			if m := flagRE.FindStringSubmatch(l); m != nil {
				h.flags = append(h.flags, flagDoc{short: m[1], long: m[2] + m[3], arg: m[4], help: m[5]})
			} else if t := strings.TrimSpace(l); t != "" && len(h.flags) > 0 {
				f := &h.flags[len(h.flags)-1]
				f.help = strings.TrimSpace(f.help + " " + t)
			}
		}
	}
	h.body = trimBlank(h.body)
	return h
}

// summary is the command's one-line description for the man page's NAME:
// the description's first sentence.
func (h help) summary() string {
	var para []string
	for _, l := range h.body {
		if strings.TrimSpace(l) == "" {
			if len(para) > 0 {
				break
			}
			continue
		}
		para = append(para, strings.TrimSpace(l))
	}
	s := strings.Join(para, " ")
	if i := strings.IndexAny(s, ".:;"); i > 0 {
		s = s[:i]
	}
	if s != "" {
		s = strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

func trimBlank(l []string) []string {
	for len(l) > 0 && strings.TrimSpace(l[0]) == "" {
		l = l[1:]
	}
	for len(l) > 0 && strings.TrimSpace(l[len(l)-1]) == "" {
		l = l[:len(l)-1]
	}
	return l
}

var (
	looseFlag = regexp.MustCompile(`(?m)^\s+(?:-([a-zA-Z]), )?--([a-z][a-z0-9-]*)(?:[ =]([A-Z][A-Z_]*|[a-z0-9_]+(?:\s*\|\s*[a-z0-9_]+)+))?`)
	looseSub  = regexp.MustCompile(`(?m)^\s+(xr-[a-z]+) ([a-z]+) `)
)

// looseHelp reads a help that does not follow the format (the script's,
// until it does): the text as it is for the man page, the flags and
// subcommands found in it for completion.
func looseHelp(name, text string) help {
	h := help{name: name, synopsis: []string{name}, exits: "see above"}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		h.body = append(h.body, "  "+l)
	}
	seen := map[string]bool{}
	for _, m := range looseFlag.FindAllStringSubmatch(text, -1) {
		if !seen[m[2]] {
			seen[m[2]] = true
			h.flags = append(h.flags, flagDoc{short: m[1], long: m[2], arg: strings.ReplaceAll(m[3], " ", "")})
		}
	}
	for _, m := range looseSub.FindAllStringSubmatch(text, -1) {
		if m[1] == name && !seen["sub "+m[2]] {
			seen["sub "+m[2]] = true
			h.commands = append(h.commands, sub{name: m[2]})
		}
	}
	return h
}
