package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	bin := flag.String("bin", "bin", "the folder holding the built xr-* commands and xr-snapshot")
	man := flag.String("man", "", "write the man pages into DIR/man1")
	bash := flag.String("bash", "", "write the bash completions into DIR (one file per command)")
	zsh := flag.String("zsh", "", "write the zsh completion (_xr) into DIR")
	fish := flag.String("fish", "", "write the fish completions into DIR")
	flag.Parse()
	if err := run(*bin, *man, *bash, *zsh, *fish); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func run(bin, man, bash, zsh, fish string) error {
	names, err := filepath.Glob(filepath.Join(bin, "xr-*"))
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no xr-* command in %s", bin)
	}
	sort.Strings(names)
	var cmds []cmdFlags
	version := ""
	for _, path := range names {
		top := filepath.Base(path)
		h, err := helpOf(path, top)
		if err != nil {
			return err
		}
		if version == "" {
			v, err := exec.Command(path, "--version").Output()
			if err != nil {
				return fmt.Errorf("%s --version: %w", top, err)
			}
			version = strings.TrimSpace(strings.TrimPrefix(string(v), top+" "))
		}
		c := cmdFlags{name: top, h: h, subs: h.commands}
		cmds = append(cmds, c)
		var subs []help
		for _, s := range h.commands {
			sh, err := helpOf(path, top, s.name)
			if err != nil {
				return err
			}
			subs = append(subs, sh)
			cmds = append(cmds, cmdFlags{name: sh.name, h: sh, isSub: true})
		}
		if man != "" {
			if err := write(filepath.Join(man, "man1", top+".1"), manPage(h, subs, version)); err != nil {
				return err
			}
		}
	}
	if bash != "" {
		script := bashCompletion(cmds)
		for _, n := range topNames(cmds) {
			if err := write(filepath.Join(bash, n), script); err != nil {
				return err
			}
		}
	}
	if zsh != "" {
		if err := write(filepath.Join(zsh, "_xr"), zshCompletion(cmds)); err != nil {
			return err
		}
	}
	if fish != "" {
		for _, c := range cmds {
			if !c.isSub {
				if err := write(filepath.Join(fish, c.name+".fish"), fishCompletion(c, cmds)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// helpOf runs `path args... -h` and parses its help; it must follow the
// format (see help.go).
func helpOf(path string, args ...string) (help, error) {
	name := strings.Join(args, " ")
	var stdout, stderr bytes.Buffer
	c := exec.Command(path, append(args[1:], "-h")...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return help{}, fmt.Errorf("%s -h: %v: %s", name, err, stderr.String())
	}
	text := stdout.String()
	h := parseHelp(name, text)
	if !strings.HasPrefix(text, "usage: "+name) || len(h.flags) == 0 || h.exits == "" {
		fmt.Fprintf(os.Stderr, "docgen: warning: %s -h is not in xr's -h format (internal/docgen/help.go): its man page shows it as it is\n", name)
		return looseHelp(name, text), nil
	}
	return h, nil
}

func write(path, s string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
