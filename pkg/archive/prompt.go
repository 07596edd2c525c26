package archive

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// TerminalPrompt asks for the passphrase on the terminal (/dev/tty, only
// when stdin is a terminal), twice when confirm. Without a terminal it
// says where else the passphrase can come from.
func TerminalPrompt(env string, confirm bool) ([]byte, error) {
	var tty *os.File
	err := errors.New("stdin is not a terminal")
	if term.IsTerminal(int(os.Stdin.Fd())) {
		tty, err = os.OpenFile("/dev/tty", os.O_RDWR, 0)
	}
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return nil, fmt.Errorf("%w: set %s, pass --passphrase-file, or run on a terminal", ErrNeedKey, env)
	}
	defer tty.Close()
	read := func(label string) ([]byte, error) {
		fmt.Fprint(tty, label)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		return b, err
	}
	p, err := read("passphrase: ")
	if err != nil {
		return nil, err
	}
	if confirm {
		q, err := read("passphrase again: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	if len(p) == 0 {
		return nil, ErrNeedKey
	}
	return p, nil
}
