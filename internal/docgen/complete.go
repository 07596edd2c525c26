package main

import (
	"fmt"
	"sort"
	"strings"
)

// cmdFlags is what completion knows of one command line: its flags and,
// for xr-pack and xr-snapshot, its subcommands.
type cmdFlags struct {
	name  string // "xr-pack", "xr-pack init"
	h     help
	subs  []sub
	isSub bool
}

// bashCompletion is one bash script completing every command: subcommands
// in the first position (xr-pack <TAB>), flags after a dash, the values of
// a flag such as --by key|hash, files otherwise.
func bashCompletion(cmds []cmdFlags) string {
	var b strings.Builder
	b.WriteString("# bash completion for xr's commands; generated from their -h by internal/docgen (make install).\n")
	b.WriteString("_xr_complete() {\n")
	b.WriteString("\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[0]##*/} words flags values\n")
	b.WriteString("\tcase $cmd in\n")
	for _, c := range cmds {
		if len(c.subs) > 0 {
			var names []string
			for _, s := range c.subs {
				names = append(names, s.name)
			}
			fmt.Fprintf(&b, "\t%s)\n\t\tif [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n\t\tcmd=\"$cmd ${COMP_WORDS[1]}\" ;;\n", c.name, strings.Join(names, " ")+" -h --help --version")
		}
	}
	b.WriteString("\tesac\n\tcase $cmd in\n")
	for _, c := range cmds {
		if len(c.subs) > 0 {
			continue
		}
		var flags []string
		var vals []string
		for _, f := range c.h.flags {
			if f.short != "" {
				flags = append(flags, "-"+f.short)
			}
			flags = append(flags, "--"+f.long)
			if ch := f.choices(); ch != nil {
				vals = append(vals, fmt.Sprintf("\t\tcase $prev in --%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;; esac\n", f.long, strings.Join(ch, " ")))
			}
		}
		fmt.Fprintf(&b, "\t%q)\n\t\tflags=%q\n%s\t\t;;\n", c.name, strings.Join(flags, " "), strings.Join(vals, ""))
	}
	b.WriteString("\tesac\n")
	b.WriteString("\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\")); return; fi\n")
	b.WriteString("\tCOMPREPLY=()\n}\n")
	fmt.Fprintf(&b, "complete -o bashdefault -o default -F _xr_complete %s\n", strings.Join(topNames(cmds), " "))
	return b.String()
}

// zshCompletion is the _xr function (#compdef for every command).
func zshCompletion(cmds []cmdFlags) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef %s\n# zsh completion for xr's commands; generated from their -h by internal/docgen (make install).\n\n", strings.Join(topNames(cmds), " "))
	b.WriteString("_xr() {\n\tlocal cmd=$service\n")
	for _, c := range cmds {
		if len(c.subs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\tif [[ $cmd == %s ]]; then\n\t\tif (( CURRENT == 2 )); then\n\t\t\tlocal -a subs\n\t\t\tsubs=(\n", c.name)
		for _, s := range c.subs {
			fmt.Fprintf(&b, "\t\t\t\t%s\n", zq(s.name+":"+s.summary))
		}
		b.WriteString("\t\t\t)\n\t\t\t_describe command subs\n\t\t\treturn\n\t\tfi\n")
		b.WriteString("\t\tcmd=\"$cmd $words[2]\"\n\t\tshift words\n\t\t(( CURRENT-- ))\n\tfi\n")
	}
	b.WriteString("\tcase $cmd in\n")
	for _, c := range cmds {
		if len(c.subs) > 0 {
			continue
		}
		fmt.Fprintf(&b, "\t%s)\n\t\t_arguments -s \\\n", zq(c.name))
		for _, f := range c.h.flags {
			desc := zbracket(f.help)
			action := ""
			if f.arg != "" {
				action = ":" + zcolon(f.arg) + ":"
				switch {
				case f.choices() != nil:
					action += "(" + strings.Join(f.choices(), " ") + ")"
				case f.file():
					action += "_files"
				}
			}
			eq := ""
			if f.arg != "" {
				eq = "="
			}
			if f.short != "" {
				plus := ""
				if f.arg != "" {
					plus = "+"
				}
				fmt.Fprintf(&b, "\t\t\t'(-%s --%s)'{-%s%s,--%s%s}'[%s]%s' \\\n", f.short, f.long, f.short, plus, f.long, eq, zsq(desc), zsq(action))
			} else {
				fmt.Fprintf(&b, "\t\t\t'--%s%s[%s]%s' \\\n", f.long, eq, zsq(desc), zsq(action))
			}
		}
		b.WriteString("\t\t\t'*:file:_files'\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\n\n_xr \"$@\"\n")
	return b.String()
}

// fishCompletion is the fish completion of one top-level command (fish
// loads NAME.fish when NAME is completed).
func fishCompletion(top cmdFlags, cmds []cmdFlags) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for %s; generated from its -h by internal/docgen (make install).\n", top.name)
	if len(top.subs) > 0 {
		fmt.Fprintf(&b, "complete -c %s -f\n", top.name)
		for _, s := range top.subs {
			fmt.Fprintf(&b, "complete -c %s -n '__fish_use_subcommand' -a %s -d %s\n", top.name, s.name, fq(s.summary))
		}
		for _, c := range cmds {
			sub, ok := strings.CutPrefix(c.name, top.name+" ")
			if !ok {
				continue
			}
			for _, f := range c.h.flags {
				fmt.Fprintf(&b, "complete -c %s -n '__fish_seen_subcommand_from %s'%s\n", top.name, sub, fishFlag(f))
			}
		}
		return b.String()
	}
	for _, f := range top.h.flags {
		fmt.Fprintf(&b, "complete -c %s%s\n", top.name, fishFlag(f))
	}
	return b.String()
}

func fishFlag(f flagDoc) string {
	s := ""
	if f.short != "" {
		s += " -s " + f.short
	}
	s += " -l " + f.long
	switch {
	case f.choices() != nil:
		s += " -x -a " + fq(strings.Join(f.choices(), " "))
	case f.file():
		s += " -r -F"
	case f.arg != "":
		s += " -x"
	}
	return s + " -d " + fq(f.help)
}

func topNames(cmds []cmdFlags) []string {
	var n []string
	for _, c := range cmds {
		if !c.isSub {
			n = append(n, c.name)
		}
	}
	sort.Strings(n)
	return n
}

// Quoting for zsh's _arguments specs and fish's single-quoted strings.

func zq(s string) string       { return "'" + strings.ReplaceAll(zcolonDesc(s), "'", `'\''`) + "'" }
func zsq(s string) string      { return strings.ReplaceAll(s, "'", `'\''`) }
func zcolon(s string) string   { return strings.ReplaceAll(s, ":", `\:`) }
func zbracket(s string) string { return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(s) }

// zcolonDesc escapes the colons of a "name:description" entry's name part
// only (the first colon separates).
func zcolonDesc(s string) string {
	name, desc, _ := strings.Cut(s, ":")
	return zcolon(name) + ":" + desc
}

func fq(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'" }
